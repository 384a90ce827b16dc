import { data, type ActionFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation, useRouteLoaderData } from '@remix-run/react';
import { useEffect } from 'react';
import { FormAlert, SelectField, TextField } from '../components/field.tsx';
import { historyHref } from '../lib/history.ts';
import { trpc } from '../trpc.ts';
import type { OrgData } from './orgs.$slug.tsx';
import { supportedTimezones, updateOrganizationInput, WEEK_STARTS, WEEKDAYS } from '@mfiq/api/shared';
import { submitForm } from '../lib/form-action.server.ts';
import { fieldProps, useApiForm } from '../lib/forms.ts';
import lifecycleStyles from '../styles/lifecycle.css?url';
import { stylesheets } from '../styles/links.ts';

export const links = stylesheets(lifecycleStyles);

export const meta: MetaFunction = ({ matches }) => {
  const org = matches.find((m) => m.id === 'routes/orgs.$slug')?.data as OrgData | undefined;
  return [{ title: org ? `Settings · ${org.organization.name} · Metric Flow IQ` : 'Settings · Metric Flow IQ' }];
};

// Computed on the server and sent along, so the options are the ones the API accepts (the browser's
// ICU may know a different set).
const TIMEZONES = supportedTimezones();

/** The organization itself comes from the parent route (membership already checked there). */
export function loader() {
  return { timezones: TIMEZONES };
}

export async function action(args: ActionFunctionArgs) {
  const slug = args.params.slug ?? '';
  const outcome = await submitForm(args, updateOrganizationInput, (value, api) => api.org.update({ slug, ...value }));
  return outcome.ok
    ? { saved: true as const, reply: outcome.reply }
    : data({ saved: false as const, reply: outcome.reply }, { status: 400 });
}

export default function OrgSettings() {
  const org = useRouteLoaderData<OrgData>('routes/orgs.$slug');
  const { timezones } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const [form, fields] = useApiForm(updateOrganizationInput, { id: 'org-settings', lastResult: result?.reply });
  const navigation = useNavigation();
  const busy = navigation.state === 'submitting';
  const utils = trpc.useUtils();

  // The switcher lists organization names: refresh it after a rename.
  useEffect(() => {
    if (result?.saved) void utils.org.list.invalidate();
  }, [result, utils]);

  if (!org) return null;
  const { organization, permissions } = org;
  const canEdit = permissions.includes('org:update');
  const tzOptions = (timezones.includes(organization.timezone) ? timezones : [organization.timezone, ...timezones]).map(
    (tz) => ({
      value: tz,
      label: tz.replace(/_/g, ' '),
    }),
  );

  return (
    <section className="panel" aria-labelledby="settings-title">
      <h2 id="settings-title" className="panel__title">
        Organization settings
      </h2>
      {permissions.includes('audit:read') ? (
        <p className="history-link">
          <Link to={historyHref(organization.slug, { type: 'organization' })}>History of these settings</Link>
        </p>
      ) : null}
      {canEdit ? (
        <p className="muted">
          These apply to everyone in {organization.name}. Dates and weeks on dashboards follow them.
        </p>
      ) : (
        <FormAlert tone="info">
          You can view these settings, but only owners and admins can change them. Your role is{' '}
          <strong>{org.role}</strong>.
        </FormAlert>
      )}
      {result?.saved && !busy ? <FormAlert tone="success">Settings saved.</FormAlert> : null}
      {form.errors?.length ? <FormAlert>{form.errors.join(' ')}</FormAlert> : null}
      <Form
        method="post"
        className="form form--wide"
        id={form.id}
        onSubmit={form.onSubmit}
        noValidate
        key={`${organization.name}|${organization.timezone}|${organization.weekStart}`}
      >
        <fieldset disabled={!canEdit || busy} className="form__fieldset">
          <legend className="visually-hidden">Organization settings</legend>
          <TextField
            {...fieldProps(fields.name)}
            defaultValue={fields.name.initialValue ?? organization.name}
            label="Organization name"
            required
            maxLength={100}
          />
          <SelectField
            {...fieldProps(fields.timezone)}
            defaultValue={fields.timezone.initialValue ?? organization.timezone}
            label="Timezone"
            options={tzOptions}
            hint="Days, weeks and months are counted in this timezone."
          />
          <SelectField
            {...fieldProps(fields.weekStart)}
            defaultValue={fields.weekStart.initialValue ?? String(organization.weekStart)}
            label="Week starts on"
            options={WEEK_STARTS.map((d) => ({ value: String(d), label: WEEKDAYS[d] }))}
          />
          <div className="field">
            <span className="field__label">Address</span>
            <p className="field__static">
              <code>/orgs/{organization.slug}</code>
            </p>
          </div>
        </fieldset>
        {canEdit ? (
          <div className="form__actions">
            <button type="submit" className="button" disabled={busy}>
              {busy ? 'Saving…' : 'Save settings'}
            </button>
          </div>
        ) : null}
      </Form>
      <MoreSettings slug={organization.slug} permissions={permissions} />
    </section>
  );
}

/** The organization's lifecycle settings, each on its own page, for the roles that may use them. */
function MoreSettings({ slug, permissions }: { slug: string; permissions: string[] }) {
  const items = [
    {
      to: 'address',
      title: 'Address',
      text: 'Change the address in your links; the old one redirects your members for 30 days.',
      show: true,
    },
    {
      to: 'retention',
      title: 'Retention',
      text: 'How long the audit log, data points and backups are kept.',
      show: permissions.includes('retention:manage'),
    },
    {
      to: 'delete',
      title: 'Delete organization',
      text: 'Lock it now and erase everything after a grace period.',
      show: permissions.includes('org:delete'),
      danger: true,
    },
  ].filter((i) => i.show);
  return (
    <nav aria-labelledby="more-settings" className="form--wide">
      <h3 id="more-settings">More settings</h3>
      <ul className="settings-more">
        {items.map((i) => (
          <li key={i.to} className={i.danger ? 'settings-more__danger' : undefined}>
            <Link to={`/orgs/${slug}/settings/${i.to}`}>
              <span className="settings-more__title">{i.title}</span>
              <span className="muted">{i.text}</span>
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}
