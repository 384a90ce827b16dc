import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { z } from 'zod';
import { dataFormFieldInput, updateFormInput } from '@mfiq/api/shared';
import { Form, Link, useActionData, useLoaderData, useNavigation, useRouteLoaderData } from '@remix-run/react';
import { FormAlert, SelectField, TextAreaField, TextField } from '../components/field.tsx';
import { submitForm } from '../lib/form-action.server.ts';
import { callApi, isTrpcError, type Caller } from '../trpc.server.ts';
import type { OrgData } from './orgs.$slug.tsx';
import formsStyles from '../styles/forms.css?url';
import { stylesheets } from '../styles/links.ts';

export const links = stylesheets(formsStyles);

export const meta: MetaFunction<typeof loader> = ({ data: d }) => [
  { title: d ? `${d.form.name} · Forms · Metric Flow IQ` : 'Form · Metric Flow IQ' },
];

/** The link for editors; null for viewers (a link lets anyone write data, which a viewer cannot). */
async function linkFor(api: Caller, slug: string, id: string) {
  try {
    return await api.forms.link({ slug, id });
  } catch (error) {
    if (isTrpcError(error) && error.code === 'FORBIDDEN') return null;
    throw error;
  }
}

export async function loader(args: LoaderFunctionArgs) {
  const slug = args.params.slug ?? '';
  const id = args.params.id ?? '';
  // The link goes to people outside: the configured public address, else the one this page was reached at.
  const origin = args.context.publicOrigin ?? new URL(args.request.url).origin;
  return callApi(args, async (api) => {
    const form = await api.forms.get({ slug, id });
    const link = await linkFor(api, slug, id);
    const metrics = link
      ? (await api.metrics.list({ slug, limit: 1000 }))
          .filter((m) => !m.formula)
          .map((m) => ({ key: m.key, name: m.name }))
      : [];
    return { form, link, metrics, origin, created: new URL(args.request.url).searchParams.get('created') === '1' };
  });
}

/** One row of the field editor: the field as the API takes it, plus where to put it and whether to drop it. */
const editorRow = dataFormFieldInput.extend({
  order: z.number({ error: 'Order is a number from 1 to 50' }).int().min(1).max(50).optional(),
  remove: z.boolean().default(false),
});

/**
 * The page's forms, told apart by the button pressed. The editor is forms.update's input with its
 * fields as rows (`rows[0].label`...) and one row to add; the procedure checks the resulting list.
 */
const formPageForm = z.discriminatedUnion('intent', [
  z.object({ intent: z.enum(['pause', 'resume', 'rotate', 'delete']) }),
  updateFormInput.omit({ id: true, fields: true }).extend({
    intent: z.literal('save'),
    rows: z.array(editorRow).max(50).default([]),
    add: dataFormFieldInput.partial({ metricKey: true }).optional(),
  }),
]);

type EditorRow = z.output<typeof editorRow>;

/** The kept rows in the order people asked for (by their order numbers), then the added one. */
function fieldsFrom(
  rows: EditorRow[],
  add: { metricKey?: string | undefined; label: string; help: string } | undefined,
) {
  const kept = rows
    .map((row, i) => ({ ...row, order: row.order ?? i + 1, i }))
    .filter((row) => !row.remove)
    .sort((a, b) => a.order - b.order || a.i - b.i)
    .map(({ metricKey, label, help }) => ({ metricKey, label, help }));
  return add?.metricKey ? [...kept, { metricKey: add.metricKey, label: add.label, help: add.help }] : kept;
}

export async function action(args: ActionFunctionArgs) {
  const slug = args.params.slug ?? '';
  const id = args.params.id ?? '';
  const outcome = await submitForm(args, formPageForm, async (v, api) => {
    if (v.intent === 'save') {
      const { intent: _intent, rows, add, ...form } = v;
      await api.forms.update({ slug, id, ...form, fields: fieldsFrom(rows, add) });
    } else if (v.intent === 'rotate') await api.forms.rotateLink({ slug, id });
    else if (v.intent === 'delete') await api.forms.delete({ slug, id });
    else await api.forms.setPaused({ slug, id, paused: v.intent === 'pause' });
    return v.intent;
  });
  if (outcome.ok && outcome.value === 'delete') return redirect(`/orgs/${slug}/forms`);
  if (outcome.ok) return data({ done: outcome.value, reply: outcome.reply });
  return data({ done: null, reply: outcome.reply }, { status: 400 });
}

const DAYS_BACK = [
  { value: '0', label: 'Today only' },
  { value: '1', label: 'Today and yesterday' },
  { value: '7', label: 'Today and the 7 days before' },
  { value: '14', label: 'Today and the 14 days before' },
  { value: '31', label: 'Today and the 31 days before' },
];

const DONE: Record<string, string> = {
  save: 'Form saved.',
  pause: 'Form paused: the link stays, answers are refused until you resume it.',
  resume: 'Form resumed: the link accepts answers again.',
  rotate: 'New link created. The old link no longer works.',
};

export default function FormDetail() {
  const { form, link, metrics, origin, created } = useLoaderData<typeof loader>();
  const org = useRouteLoaderData<OrgData>('routes/orgs.$slug');
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  if (!org) return null;
  const slug = org.organization.slug;
  const errors = result?.reply.error ?? {};
  const fe = (key: string) => errors[key] ?? undefined;
  // A row's or the added field's messages show under the table with the list's own.
  const listErrors = Object.entries(errors)
    .filter(([k]) => /^(fields|rows|add)\b/.test(k))
    .flatMap(([, v]) => v ?? []);
  const url = link?.token ? `${origin}/f/${link.token}` : null;
  const unused = metrics.filter((m) => !form.fields.some((f) => f.metricKey === m.key));
  return (
    <div className="stack">
      <p>
        <Link to={`/orgs/${slug}/forms`}>← All forms</Link>
      </p>
      {result?.done ? (
        <FormAlert tone="success">{DONE[result.done]}</FormAlert>
      ) : created ? (
        <FormAlert tone="success">Form created. Share its link with the people who should answer.</FormAlert>
      ) : null}
      {errors['']?.length ? <FormAlert>{errors[''].join(' ')}</FormAlert> : null}
      <section className="panel" aria-labelledby="form-title">
        <h2 id="form-title" className="panel__title">
          {form.name}{' '}
          {form.paused ? <span className="badge">paused</span> : <span className="badge badge--ok">open</span>}
        </h2>
        <p className="muted">
          {form.submissionCount} answer{form.submissionCount === 1 ? '' : 's'}
          {form.lastSubmittedAt
            ? `, the last on ${new Date(form.lastSubmittedAt).toISOString().slice(0, 16).replace('T', ' ')} UTC`
            : ''}
          .
        </p>
        {link ? (
          <>
            <h3>Public link</h3>
            {url ? (
              <p>
                <code className="secret" data-testid="form-link">
                  {url}
                </code>{' '}
                <a href={url} target="_blank" rel="noreferrer noopener">
                  Open
                </a>
              </p>
            ) : (
              <p className="muted">
                This link (starting {link.prefix}…) was sealed with an encryption key the server no longer has. Create a
                new link to share the form again.
              </p>
            )}
            <p className="muted">
              Anyone with the link can answer. Create a new link if it reached the wrong people: the old one stops
              working at once.
            </p>
            <div className="row-actions">
              <Form method="post">
                <button
                  type="submit"
                  name="intent"
                  value={form.paused ? 'resume' : 'pause'}
                  className="button button--quiet"
                  disabled={busy}
                >
                  {form.paused ? 'Resume the form' : 'Pause the form'}
                </button>
              </Form>
              <Form method="post">
                <button type="submit" name="intent" value="rotate" className="button button--quiet" disabled={busy}>
                  Create a new link
                </button>
              </Form>
              <Form method="post">
                <button type="submit" name="intent" value="delete" className="button button--danger" disabled={busy}>
                  Delete the form
                </button>
              </Form>
            </div>
          </>
        ) : null}
      </section>
      <section className="panel" aria-labelledby="fields-title">
        <h2 id="fields-title" className="panel__title">
          Fields
        </h2>
        {link ? (
          <Form method="post" className="form form--editor" noValidate>
            <TextField name="name" label="Name" required maxLength={100} defaultValue={form.name} errors={fe('name')} />
            <TextAreaField
              name="description"
              label="Instructions (optional)"
              rows={3}
              maxLength={1000}
              defaultValue={form.description}
              errors={fe('description')}
            />
            <SelectField
              name="daysBack"
              label="Accepts answers for"
              defaultValue={String(form.daysBack)}
              errors={fe('daysBack')}
              options={
                DAYS_BACK.some((o) => o.value === String(form.daysBack))
                  ? DAYS_BACK
                  : [
                      ...DAYS_BACK,
                      { value: String(form.daysBack), label: `Today and the ${form.daysBack} days before` },
                    ]
              }
              hint="Dates in the organization's timezone. Older values can only be changed by members."
            />
            <table className="table form-fields" data-testid="form-fields">
              <thead>
                <tr>
                  <th scope="col">Metric</th>
                  <th scope="col">Label</th>
                  <th scope="col">Help text</th>
                  <th scope="col">Order</th>
                  <th scope="col">Remove</th>
                </tr>
              </thead>
              <tbody>
                {form.fields.map((f, i) => (
                  <tr key={f.id}>
                    <td>
                      {f.metricName} <span className="muted">({f.metricKey})</span>
                      <input type="hidden" name={`rows[${i}].metricKey`} value={f.metricKey} />
                    </td>
                    <td>
                      <input
                        className="input"
                        name={`rows[${i}].label`}
                        aria-label={`Label for ${f.metricName}`}
                        defaultValue={f.label}
                        maxLength={100}
                      />
                    </td>
                    <td>
                      <input
                        className="input"
                        name={`rows[${i}].help`}
                        aria-label={`Help text for ${f.metricName}`}
                        defaultValue={f.help}
                        maxLength={300}
                      />
                    </td>
                    <td>
                      <input
                        className="input"
                        name={`rows[${i}].order`}
                        type="number"
                        min={1}
                        max={50}
                        aria-label={`Order of ${f.metricName}`}
                        defaultValue={i + 1}
                      />
                    </td>
                    <td>
                      <input type="checkbox" name={`rows[${i}].remove`} aria-label={`Remove ${f.metricName}`} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {listErrors.length ? (
              <p className="field__error" role="alert">
                {listErrors.join(' ')}
              </p>
            ) : null}
            {unused.length && form.fields.length < 50 ? (
              <fieldset className="form-fields__add">
                <legend className="field__label">Add a field</legend>
                <SelectField
                  name="add.metricKey"
                  label="Metric"
                  defaultValue=""
                  options={[
                    { value: '', label: '(none)' },
                    ...unused.map((m) => ({ value: m.key, label: `${m.name} (${m.key})` })),
                  ]}
                />
                <TextField name="add.label" label="Label (blank: the metric's name)" maxLength={100} />
                <TextField name="add.help" label="Help text (optional)" maxLength={300} />
              </fieldset>
            ) : null}
            <div className="form__actions">
              <button type="submit" name="intent" value="save" className="button" disabled={busy}>
                Save the form
              </button>
            </div>
          </Form>
        ) : (
          <ol>
            {form.fields.map((f) => (
              <li key={f.id}>
                {f.label} <span className="muted">({f.metricKey})</span>
                {f.help ? <span className="muted"> · {f.help}</span> : null}
              </li>
            ))}
          </ol>
        )}
      </section>
    </div>
  );
}
