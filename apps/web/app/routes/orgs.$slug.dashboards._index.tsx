import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation, useRouteLoaderData } from '@remix-run/react';
import { FormAlert, SelectField, TextField } from '../components/field.tsx';
import { GRAIN_OPTIONS, RANGE_OPTIONS } from '../components/dashboard/view.tsx';
import { callApi, formErrors, serverApi, toResponse } from '../trpc.server.ts';
import type { OrgData } from './orgs.$slug.tsx';
import dashboardStyles from '../styles/dashboard.css?url';
import { stylesheets } from '../styles/links.ts';

export const links = stylesheets(dashboardStyles);

export const meta: MetaFunction = () => [{ title: 'Dashboards · Metric Flow IQ' }];

export async function loader(args: LoaderFunctionArgs) {
  const slug = args.params.slug ?? '';
  return callApi(args, (api) => api.dashboards.list({ slug }));
}

export async function action(args: ActionFunctionArgs) {
  const slug = args.params.slug ?? '';
  const form = await args.request.formData();
  const { caller } = await serverApi(args);
  try {
    const created = await caller.dashboards.create({
      slug,
      name: String(form.get('name') ?? ''),
      range: String(form.get('range') ?? '90d') as '90d',
      grain: String(form.get('grain') ?? 'week') as 'week',
    });
    return redirect(`/orgs/${slug}/dashboards/${created.id}`);
  } catch (error) {
    const errors = formErrors(error);
    if (!errors) throw toResponse(error, args.request);
    return data(errors, { status: 400 });
  }
}

const RANGE_NAME = Object.fromEntries(RANGE_OPTIONS.map((o) => [o.value, o.label]));
const GRAIN_NAME = Object.fromEntries(GRAIN_OPTIONS.map((o) => [o.value, o.label.toLowerCase()]));

export default function Dashboards() {
  const dashboards = useLoaderData<typeof loader>();
  const org = useRouteLoaderData<OrgData>('routes/orgs.$slug');
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  if (!org) return null;
  const slug = org.organization.slug;
  const canEdit = org.permissions.includes('dashboards:write');
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
      {canEdit ? (
        <section className="panel" aria-labelledby="new-dashboard-title">
          <h2 id="new-dashboard-title" className="panel__title">
            New dashboard
          </h2>
          {result?.formError ? <FormAlert>{result.formError}</FormAlert> : null}
          <Form method="post" className="form form--wide" noValidate>
            <TextField name="name" label="Name" required maxLength={100} errors={result?.fieldErrors.name} />
            <SelectField
              name="range"
              label="Default date range"
              defaultValue="90d"
              options={RANGE_OPTIONS.map((o) => ({ ...o }))}
              errors={result?.fieldErrors.range}
            />
            <SelectField
              name="grain"
              label="Default grain"
              defaultValue="week"
              options={GRAIN_OPTIONS.map((o) => ({ ...o }))}
              errors={result?.fieldErrors.grain}
            />
            <div className="form__actions">
              <button type="submit" className="button" disabled={busy}>
                Create dashboard
              </button>
            </div>
          </Form>
        </section>
      ) : null}
    </div>
  );
}
