import { getFormProps } from '@conform-to/react';
import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { z } from 'zod';
import { Form, Link, useActionData, useLoaderData, useNavigation, useRouteLoaderData } from '@remix-run/react';
import { FormAlert, SelectField, TextField } from '../components/field.tsx';
import { newDashboardForm, templateForm } from '../components/dashboard/forms.ts';
import { GRAIN_OPTIONS, RANGE_OPTIONS } from '../components/dashboard/view.tsx';
import { submitForm } from '../lib/form-action.server.ts';
import { useApiForm } from '../lib/forms.ts';
import { callApi } from '../trpc.server.ts';
import type { OrgData } from './orgs.$slug.tsx';
import dashboardStyles from '../styles/dashboard.css?url';
import { stylesheets } from '../styles/links.ts';

export const links = stylesheets(dashboardStyles);

export const meta: MetaFunction = () => [{ title: 'Dashboards · Metric Flow IQ' }];

export async function loader(args: LoaderFunctionArgs) {
  const slug = args.params.slug ?? '';
  return callApi(args, async (api) => {
    const [dashboards, templates] = await Promise.all([
      api.dashboards.list({ slug }),
      api.dashboards.templates({ slug }),
    ]);
    return { dashboards, templates };
  });
}

/** The page's two forms, told apart by the button pressed (`intent`). */
const dashboardsForm = z.discriminatedUnion('intent', [
  newDashboardForm.extend({ intent: z.literal('create') }),
  templateForm.extend({ intent: z.literal('template') }),
]);

export async function action(args: ActionFunctionArgs) {
  const slug = args.params.slug ?? '';
  const outcome = await submitForm(args, dashboardsForm, (v, api) =>
    v.intent === 'template'
      ? api.dashboards.createFromTemplate({ slug, template: v.template, name: v.name })
      : api.dashboards.create({ slug, name: v.name, range: v.range, grain: v.grain }),
  );
  if (outcome.ok) return redirect(`/orgs/${slug}/dashboards/${outcome.value.id}`);
  const intent = outcome.reply.initialValue?.intent === 'template' ? 'template' : 'create';
  return data({ intent, reply: outcome.reply }, { status: 400 });
}

const RANGE_NAME = Object.fromEntries(RANGE_OPTIONS.map((o) => [o.value, o.label]));
const GRAIN_NAME = Object.fromEntries(GRAIN_OPTIONS.map((o) => [o.value, o.label.toLowerCase()]));

export default function Dashboards() {
  const { dashboards, templates } = useLoaderData<typeof loader>();
  const org = useRouteLoaderData<OrgData>('routes/orgs.$slug');
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  const [form, fields] = useApiForm(newDashboardForm, {
    id: 'new-dashboard',
    lastResult: result?.intent === 'create' ? result.reply : undefined,
  });
  if (!org) return null;
  const slug = org.organization.slug;
  const canEdit = org.permissions.includes('dashboards:write');
  const templateError = result?.intent === 'template' ? result.reply.error : undefined;
  return (
    <div className="stack">
      <section className="panel" aria-labelledby="dashboards-title">
        <h2 id="dashboards-title" className="panel__title">
          Dashboards
        </h2>
        {dashboards.length ? (
          <ul className="dash-list">
            {dashboards.map((d) => (
              <li key={d.id}>
                <Link to={`/orgs/${slug}/dashboards/${d.id}`} className="dash-list__link">
                  <span className="dash-list__name">{d.name}</span>
                  {d.isDefault ? <span className="badge">default</span> : null}
                </Link>
                <span className="muted">
                  {d.tileCount} tile{d.tileCount === 1 ? '' : 's'} · {RANGE_NAME[d.range]}, {GRAIN_NAME[d.grain]}
                </span>
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">
            No dashboards yet.{canEdit ? ' The first one you create becomes the organization’s home page.' : ''}
          </p>
        )}
      </section>
      {dashboards.length > 1 ? (
        <section className="panel" aria-labelledby="tv-title">
          <h2 id="tv-title" className="panel__title">
            TV mode
          </h2>
          <Form method="get" action={`/orgs/${slug}/tv`} className="form form--wide">
            <fieldset className="form__fieldset">
              <legend className="field__label">Rotate between</legend>
              {dashboards.map((d) => (
                <label key={d.id} className="checkbox">
                  <input type="checkbox" name="ids" value={d.id} defaultChecked /> {d.name}
                </label>
              ))}
            </fieldset>
            <SelectField
              name="every"
              label="Show each for"
              defaultValue="60"
              options={[
                { value: '30', label: '30 seconds' },
                { value: '60', label: '1 minute' },
                { value: '300', label: '5 minutes' },
              ]}
            />
            <div className="form__actions">
              <button type="submit" className="button button--quiet">
                Start TV mode
              </button>
            </div>
          </Form>
        </section>
      ) : null}
      {canEdit && templates.length ? (
        <section className="panel" aria-labelledby="templates-title">
          <h2 id="templates-title" className="panel__title">
            Start from a template
          </h2>
          {templateError ? <FormAlert>{Object.values(templateError).flat().join(' ')}</FormAlert> : null}
          <ul className="templates">
            {templates.map((t) => (
              <li key={t.id} data-testid="template">
                <strong>{t.name}</strong>
                <span className="muted">{t.description}</span>
                <span>{t.metrics.map((m) => m.name).join(', ')}</span>
                <Form method="post">
                  <input type="hidden" name="template" value={t.id} />
                  <button type="submit" name="intent" value="template" className="button button--quiet" disabled={busy}>
                    Create “{t.name}”
                  </button>
                </Form>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {canEdit ? (
        <section className="panel" aria-labelledby="new-dashboard-title">
          <h2 id="new-dashboard-title" className="panel__title">
            New dashboard
          </h2>
          {form.errors?.length ? <FormAlert>{form.errors.join(' ')}</FormAlert> : null}
          <Form method="post" className="form form--wide" {...getFormProps(form)}>
            <TextField name={fields.name.name} label="Name" required maxLength={100} errors={fields.name.errors} />
            <SelectField
              name={fields.range.name}
              label="Default date range"
              defaultValue="90d"
              options={RANGE_OPTIONS.map((o) => ({ ...o }))}
              errors={fields.range.errors}
            />
            <SelectField
              name={fields.grain.name}
              label="Default grain"
              defaultValue="week"
              options={GRAIN_OPTIONS.map((o) => ({ ...o }))}
              errors={fields.grain.errors}
            />
            <div className="form__actions">
              <button type="submit" name="intent" value="create" className="button" disabled={busy}>
                Create dashboard
              </button>
            </div>
          </Form>
        </section>
      ) : null}
    </div>
  );
}
