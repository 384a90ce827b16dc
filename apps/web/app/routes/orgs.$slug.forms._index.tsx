import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation, useRouteLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { createFormInput } from '@mfiq/api/shared';
import { FormAlert, TextAreaField, TextField } from '../components/field.tsx';
import { submitForm } from '../lib/form-action.server.ts';
import { fieldProps, useApiForm } from '../lib/forms.ts';
import { callApi } from '../trpc.server.ts';
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

/** The page ticks metrics (`metric`, one per box); the procedure takes them as its `fields` list. */
const newFormSchema = createFormInput.pick({ name: true, description: true }).extend({
  metric: z
    .array(z.string())
    .default([])
    .transform((keys) => keys.map((metricKey) => ({ metricKey })))
    .pipe(createFormInput.shape.fields),
});

export async function action(args: ActionFunctionArgs) {
  const slug = args.params.slug ?? '';
  const outcome = await submitForm(args, newFormSchema, ({ metric, ...value }, api) =>
    api.forms.create({ slug, ...value, fields: metric }),
  );
  if (outcome.ok) throw redirect(`/orgs/${slug}/forms/${outcome.value.id}?created=1`);
  return data({ reply: outcome.reply }, { status: 400 });
}

const when = (d: Date | string | null) =>
  d ? new Date(d).toISOString().slice(0, 16).replace('T', ' ') + ' UTC' : null;

export default function Forms() {
  const { forms, metrics } = useLoaderData<typeof loader>();
  const org = useRouteLoaderData<OrgData>('routes/orgs.$slug');
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  const [form, fields] = useApiForm(newFormSchema, { id: 'new-form', lastResult: result?.reply });
  if (!org) return null;
  const slug = org.organization.slug;
  const canEdit = org.permissions.includes('forms:write');
  const chosen = result?.reply?.initialValue?.metric;
  // The list's errors sit on it or on its items (`metric[0].metricKey`).
  const fieldsErrors = Object.entries(form.allErrors)
    .filter(([name]) => name === 'metric' || name.startsWith('metric['))
    .flatMap(([, messages]) => messages);
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
          {form.errors?.length ? <FormAlert>{form.errors.join(' ')}</FormAlert> : null}
          {metrics.length ? (
            <Form method="post" className="form form--wide" id={form.id} onSubmit={form.onSubmit} noValidate>
              <TextField
                {...fieldProps(fields.name)}
                label="Name"
                required
                maxLength={100}
                hint="People see it as the form's title."
              />
              <TextAreaField
                {...fieldProps(fields.description)}
                label="Instructions (optional)"
                rows={3}
                maxLength={1000}
              />
              <fieldset className="field">
                <legend className="field__label">Metrics to ask for</legend>
                {metrics.map((m) => (
                  <label key={m.key} className="checkbox">
                    <input
                      type="checkbox"
                      name="metric"
                      value={m.key}
                      defaultChecked={chosen === m.key || (Array.isArray(chosen) && chosen.includes(m.key))}
                    />{' '}
                    {m.name} <span className="muted">({m.key})</span>
                  </label>
                ))}
                {fieldsErrors.length ? (
                  <p className="field__error" role="alert">
                    {fieldsErrors.join(' ')}
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
