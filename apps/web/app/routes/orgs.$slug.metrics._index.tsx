import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation, useRouteLoaderData } from '@remix-run/react';
import { FormAlert, TextField } from '../components/field.tsx';
import { MetricFields } from '../components/metric-fields.tsx';
import { metricForm } from '@mfiq/api/shared';
import { submitForm } from '../lib/form-action.server.ts';
import { fieldProps, useApiForm } from '../lib/forms.ts';
import { callApi } from '../trpc.server.ts';
import type { OrgData } from './orgs.$slug.tsx';
import metricsStyles from '../styles/metrics.css?url';
import { stylesheets } from '../styles/links.ts';

export const links = stylesheets(metricsStyles);

export const meta: MetaFunction = () => [{ title: 'Metrics · Metric Flow IQ' }];

export async function loader(args: LoaderFunctionArgs) {
  const slug = args.params.slug ?? '';
  const url = new URL(args.request.url);
  const search = url.searchParams.get('q')?.slice(0, 100) ?? '';
  const includeArchived = url.searchParams.get('archived') === '1';
  return callApi(args, async (api) => ({
    search,
    includeArchived,
    metrics: await api.metrics.list({ slug, search: search || undefined, includeArchived }),
    owners: await api.metrics.owners({ slug }),
  }));
}

export async function action(args: ActionFunctionArgs) {
  const slug = args.params.slug ?? '';
  const outcome = await submitForm(args, metricForm, (value, api) => api.metrics.create({ slug, ...value }));
  return outcome.ok
    ? redirect(`/orgs/${slug}/metrics/${outcome.value.key}`)
    : data({ reply: outcome.reply }, { status: 400 });
}

const number = new Intl.NumberFormat('en', { maximumFractionDigits: 2 });

export default function Metrics() {
  const org = useRouteLoaderData<OrgData>('routes/orgs.$slug');
  const { metrics, owners, search, includeArchived } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const [form, fields] = useApiForm(metricForm, { id: 'new-metric', lastResult: result?.reply });
  const busy = useNavigation().state === 'submitting';
  if (!org) return null;
  const canWrite = org.permissions.includes('metrics:write');
  return (
    <div className="stack">
      <section className="panel" aria-labelledby="metrics-title">
        <h2 id="metrics-title" className="panel__title">
          Metrics
        </h2>
        <Form method="get" className="toolbar" role="search">
          <label htmlFor="q" className="visually-hidden">
            Search metrics
          </label>
          <input
            id="q"
            name="q"
            className="input"
            type="search"
            placeholder="Search by key, name, description or tag"
            defaultValue={search}
            maxLength={100}
          />
          <label className="checkbox">
            <input type="checkbox" name="archived" value="1" defaultChecked={includeArchived} /> Include archived
          </label>
          <button type="submit" className="button button--quiet">
            Search
          </button>
        </Form>
        {metrics.length === 0 ? (
          <p className="muted">{search ? `No metric matches “${search}”.` : 'No metrics yet.'}</p>
        ) : (
          <table className="table" data-testid="metrics-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key</th>
                <th scope="col">Unit</th>
                <th scope="col">Aggregation</th>
                <th scope="col">Owner</th>
                <th scope="col">Tags</th>
              </tr>
            </thead>
            <tbody>
              {metrics.map((m) => (
                <tr key={m.id}>
                  <td>
                    <Link to={`/orgs/${org.organization.slug}/metrics/${m.key}`}>{m.name}</Link>
                    {m.archived ? <span className="badge">archived</span> : null}
                    {m.formula ? <span className="badge">formula</span> : null}
                  </td>
                  <td>
                    <code>{m.key}</code>
                  </td>
                  <td>{m.unit === 'currency' ? m.currency : m.unit}</td>
                  <td>{m.formula ? `= ${m.formula}` : m.aggregation}</td>
                  <td>{m.ownerName ?? '—'}</td>
                  <td>{m.tags.join(', ') || '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <p className="muted">{number.format(metrics.length)} shown.</p>
      </section>
      {canWrite ? (
        <section className="panel" aria-labelledby="create-title">
          <h2 id="create-title" className="panel__title">
            New metric
          </h2>
          {form.errors?.length ? <FormAlert>{form.errors.join(' ')}</FormAlert> : null}
          <Form method="post" className="form form--wide" id={form.id} onSubmit={form.onSubmit} noValidate>
            <fieldset className="form__fieldset" disabled={busy}>
              <legend className="visually-hidden">New metric</legend>
              <TextField
                {...fieldProps(fields.key)}
                label="Key"
                required
                maxLength={63}
                placeholder="monthly_revenue"
                hint="Lowercase letters, digits and underscores. It never changes: API clients push by key."
              />
              <MetricFields fields={fields} owners={owners} />
            </fieldset>
            <div className="form__actions">
              <button type="submit" className="button" disabled={busy}>
                {busy ? 'Creating…' : 'Create metric'}
              </button>
            </div>
          </Form>
        </section>
      ) : null}
    </div>
  );
}
