import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation, useRouteLoaderData } from '@remix-run/react';
import { FormAlert, TextAreaField, TextField } from '../components/field.tsx';
import { callApi, formErrors, serverApi, toResponse } from '../trpc.server.ts';
import type { OrgData } from './orgs.$slug.tsx';

export const meta: MetaFunction = () => [{ title: 'Forms · Metric Flow IQ' }];

export async function loader(args: LoaderFunctionArgs) {
  const slug = args.params.slug ?? '';
  return callApi(args, async (api) => {
    const forms = await api.forms.list({ slug });
    // Metrics a form can ask for: entered by people, so neither formulas nor archived ones.
    const metrics = (await api.metrics.list({ slug, limit: 1000 }))
      .filter((m) => !m.formula)
      .map((m) => ({ key: m.key, name: m.name }));
    return { forms, metrics };
  });
}

export async function action(args: ActionFunctionArgs) {
  const slug = args.params.slug ?? '';
  const form = await args.request.formData();
  const chosen = form
    .getAll('metric')
    .filter((v): v is string => typeof v === 'string')
    .slice(0, 60);
  const { caller } = await serverApi(args);
  try {
    const created = await caller.forms.create({
      slug,
      name: String(form.get('name') ?? ''),
      description: String(form.get('description') ?? ''),
      fields: chosen.map((metricKey) => ({ metricKey })),
    });
    return redirect(`/orgs/${slug}/forms/${created.id}?created=1`);
  } catch (error) {
    const errors = formErrors(error);
    if (!errors) throw toResponse(error, args.request);
    return data({ ...errors, chosen }, { status: 400 });
  }
}

const when = (d: Date | string | null) =>
  d ? new Date(d).toISOString().slice(0, 16).replace('T', ' ') + ' UTC' : null;

export default function Forms() {
  const { forms, metrics } = useLoaderData<typeof loader>();
  const org = useRouteLoaderData<OrgData>('routes/orgs.$slug');
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  if (!org) return null;
  const slug = org.organization.slug;
  const canEdit = org.permissions.includes('forms:write');
  const fe = result?.fieldErrors ?? {};
  return (
    <div className="stack">
      <section className="panel" aria-labelledby="forms-title">
        <h2 id="forms-title" className="panel__title">
          Public data forms
        </h2>
        <p className="muted">
          A form asks people outside the app for values of your metrics: anyone with its link can answer, without an
          account.
        </p>
        {forms.length ? (
          <table className="table" data-testid="forms-table">
            <thead>
              <tr>
                <th scope="col">Form</th>
                <th scope="col">Status</th>
                <th scope="col" className="num">
                  Fields
                </th>
                <th scope="col" className="num">
                  Answers
                </th>
                <th scope="col">Last answer</th>
              </tr>
            </thead>
            <tbody>
              {forms.map((f) => (
                <tr key={f.id}>
                  <td>
                    <Link to={`/orgs/${slug}/forms/${f.id}`}>{f.name}</Link>
                  </td>
                  <td>
                    {f.paused ? <span className="badge">paused</span> : <span className="badge badge--ok">open</span>}
                  </td>
                  <td className="num">{f.fieldCount}</td>
                  <td className="num">{f.submissionCount}</td>
                  <td>{when(f.lastSubmittedAt) ?? <span className="muted">none yet</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="muted">No forms yet.</p>
        )}
      </section>
      {canEdit ? (
        <section className="panel" aria-labelledby="new-form-title">
          <h2 id="new-form-title" className="panel__title">
            New form
          </h2>
          {result?.formError ? <FormAlert>{result.formError}</FormAlert> : null}
          {metrics.length ? (
            <Form method="post" className="form form--wide" noValidate>
              <TextField
                name="name"
                label="Name"
                required
                maxLength={100}
                errors={fe.name}
                hint="People see it as the form's title."
              />
              <TextAreaField
                name="description"
                label="Instructions (optional)"
                rows={3}
                maxLength={1000}
                errors={fe.description}
              />
              <fieldset className="field">
                <legend className="field__label">Metrics to ask for</legend>
                {metrics.map((m) => (
                  <label key={m.key} className="checkbox">
                    <input
                      type="checkbox"
                      name="metric"
                      value={m.key}
                      defaultChecked={result?.chosen.includes(m.key)}
                    />{' '}
                    {m.name} <span className="muted">({m.key})</span>
                  </label>
                ))}
                {fe.fields ? (
                  <p className="field__error" role="alert">
                    {fe.fields.join(' ')}
                  </p>
                ) : null}
              </fieldset>
              <div className="form__actions">
                <button type="submit" className="button" disabled={busy}>
                  Create form
                </button>
              </div>
            </Form>
          ) : (
            <p className="muted">
              Create a metric first: a form asks for values of <Link to={`/orgs/${slug}/metrics`}>metrics</Link>.
            </p>
          )}
        </section>
      ) : null}
    </div>
  );
}
