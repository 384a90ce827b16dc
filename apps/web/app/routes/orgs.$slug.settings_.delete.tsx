import { data, redirect, type ActionFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useNavigation, useRouteLoaderData } from '@remix-run/react';
import { requestDeletionInput } from '@mfiq/api/shared';
import { FormAlert, TextField } from '../components/field.tsx';
import { submitForm } from '../lib/form-action.server.ts';
import { fieldProps, useApiForm } from '../lib/forms.ts';
import lifecycleStyles from '../styles/lifecycle.css?url';
import { stylesheets } from '../styles/links.ts';
import type { OrgData } from './orgs.$slug.tsx';

export const links = stylesheets(lifecycleStyles);
export const meta: MetaFunction = () => [{ title: 'Delete organization · Metric Flow IQ' }];

export async function action(args: ActionFunctionArgs) {
  const slug = args.params.slug ?? '';
  // A stale sign-in goes to the password prompt and back here (toResponse: REAUTH_REQUIRED).
  const outcome = await submitForm(args, requestDeletionInput, ({ confirmSlug }, api) =>
    api.org.requestDeletion({ slug, confirmSlug }),
  );
  if (outcome.ok) throw redirect(`/orgs/${slug}/deletion`, 303);
  return data({ reply: outcome.reply }, { status: 400 });
}

/** The owner's danger zone: what a deletion does, and the typed confirmation that starts it. */
export default function DeleteOrganization() {
  const org = useRouteLoaderData<OrgData>('routes/orgs.$slug');
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  const [form, fields] = useApiForm(requestDeletionInput, { id: 'delete-organization', lastResult: result?.reply });
  if (!org) return null;
  const { organization, permissions } = org;
  return (
    <section className="panel danger-zone" aria-labelledby="delete-title">
      <p className="history-link">
        <Link to={`/orgs/${organization.slug}/settings`}>← Settings</Link>
      </p>
      <h2 id="delete-title" className="panel__title">
        Delete {organization.name}
      </h2>
      <p>What happens:</p>
      <ul className="danger-zone__list">
        <li>The organization is locked at once: no member can open it, and its API keys and forms stop working.</li>
        <li>After the grace period (7 days unless the service sets another), an owner can no longer cancel.</li>
        <li>
          Then everything is erased: members, metrics, data points, dashboards, forms, imports, the audit log, and every
          backup (their key is destroyed, so no copy can be read again). A record of the erasure is kept, and every
          owner gets a confirmation.
        </li>
      </ul>
      <p className="muted">
        Need your data first? Download an export on the <Link to={`/orgs/${organization.slug}/backups`}>backups</Link>{' '}
        page.
      </p>
      {permissions.includes('org:delete') ? (
        <>
          {form.errors?.length ? <FormAlert>{form.errors.join(' ')}</FormAlert> : null}
          <Form method="post" className="form form--wide" id={form.id} onSubmit={form.onSubmit} noValidate>
            <TextField
              {...fieldProps(fields.confirmSlug)}
              label={`Type ${organization.slug} to confirm`}
              required
              autoComplete="off"
              spellCheck={false}
            />
            <div className="form__actions">
              <button type="submit" className="button button--danger" disabled={busy}>
                {busy ? 'Scheduling…' : 'Delete this organization'}
              </button>
            </div>
          </Form>
        </>
      ) : (
        <FormAlert tone="info">Only an owner can delete the organization. Your role is {org.role}.</FormAlert>
      )}
    </section>
  );
}
