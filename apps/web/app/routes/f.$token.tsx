import {
  data,
  redirect,
  type ActionFunctionArgs,
  type HeadersFunction,
  type LoaderFunctionArgs,
  type MetaFunction,
} from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { FormAlert, TextField } from '../components/field.tsx';
import { FormGuardFields } from '../components/form-guard.tsx';
import { PublicPage } from '../components/public-page.tsx';
import { fieldName } from '../data-form-fields.ts';
import { linkSubject, parseValues } from '../data-form.server.ts';
import { checkForm, refusal } from '../form-guard.server.ts';
import { callApi, formErrors, isTrpcError, serverApi, toResponse } from '../trpc.server.ts';
import docStyles from '../styles/doc.css?url';
import { stylesheets } from '../styles/links.ts';

export const links = stylesheets(docStyles);

export const meta: MetaFunction<typeof loader> = ({ data: d }) => [
  { title: d ? `${d.form.name} · ${d.form.orgName}` : 'Form · Metric Flow IQ' },
  // The link is the credential: keep it out of search engines.
  { name: 'robots', content: 'noindex, nofollow' },
];

export async function loader(args: LoaderFunctionArgs) {
  const token = args.params.token ?? '';
  const form = await callApi(args, (api) => api.forms.publicGet({ token }));
  return {
    form,
    sent: new URL(args.request.url).searchParams.get('sent') === '1',
    challenge: args.context.forms.issue('data-form'),
  };
}

// A refusal's Retry-After (429) reaches the browser with the page.
export const headers: HeadersFunction = ({ actionHeaders }) => actionHeaders;

const text = (form: FormData, key: string) => {
  const v = form.get(key);
  return typeof v === 'string' ? v : '';
};

/**
 * The link is resolved first (an unknown or rotated link is a 404 and costs nothing), then the
 * anti-abuse checks run with the per-form budget of this link, then the values are parsed and
 * written by the form-only procedure.
 */
export async function action(args: ActionFunctionArgs) {
  const token = args.params.token ?? '';
  const form = await args.request.formData();
  const { caller } = await serverApi(args);
  const page = await caller.forms.publicGet({ token }).catch((error: unknown) => {
    throw toResponse(error, args.request);
  });
  const values = Object.fromEntries(
    page.fields.map((f) => [fieldName(f.id), text(form, fieldName(f.id)).slice(0, 40)]),
  );
  const date = text(form, 'date').slice(0, 10);
  const again = () => ({ values, date, challenge: args.context.forms.issue('data-form') });
  if (page.paused)
    return data(
      {
        ...again(),
        formError: 'This form is paused and is not accepting answers right now.',
        fieldErrors: {} as Record<string, string[]>,
      },
      { status: 409 },
    );
  const verdict = await checkForm(args, 'data-form', form, linkSubject(token));
  if (!verdict.ok) return refusal(verdict, again());
  const parsed = parseValues(
    form,
    page.fields.map((f) => f.id),
  );
  if (!parsed.ok)
    return data({ ...again(), formError: parsed.formError, fieldErrors: parsed.fieldErrors }, { status: 400 });
  const { caller: submitter } = await serverApi(args, { formPass: verdict.pass });
  try {
    await submitter.forms.submit({ token, values: parsed.values, ...(date ? { date } : {}) });
  } catch (error) {
    const errors = formErrors(error, { also: ['NOT_FOUND'] });
    if (!errors) throw toResponse(error, args.request);
    // The procedure names fields by id; the page's inputs carry a prefix.
    const fieldErrors = Object.fromEntries(
      Object.entries(errors.fieldErrors).map(([k, v]) => [k === 'date' ? 'date' : fieldName(k), v]),
    );
    const known = Object.keys(fieldErrors).every((k) => k === 'date' || k in values);
    const status =
      isTrpcError(error) && error.code === 'NOT_FOUND'
        ? 404
        : isTrpcError(error) && error.code === 'CONFLICT'
          ? 409
          : 400;
    return data(
      {
        ...again(),
        formError: errors.formError ?? (known ? null : 'The form has changed: reload the page.'),
        fieldErrors,
      },
      { status },
    );
  }
  return redirect(`/f/${token}?sent=1`, 303);
}

const UNIT_HINT: Record<string, string> = {
  percent: 'A percentage, e.g. 42.5',
  duration: 'A duration in seconds',
  number: '',
};

export default function PublicDataForm() {
  const { form, sent, challenge } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  const fe = result?.fieldErrors ?? {};
  return (
    <PublicPage id="data-form" eyebrow={form.orgName} title={form.name} lead={form.description || undefined}>
      {sent ? (
        <div className="panel form-panel">
          <FormAlert tone="success">Thank you, your answers were recorded.</FormAlert>
          <p className="form__actions">
            <a href={`?`} className="button button--quiet">
              Send another answer
            </a>
          </p>
        </div>
      ) : form.paused ? (
        <FormAlert tone="info">This form is paused and is not accepting answers right now.</FormAlert>
      ) : (
        <div className="panel form-panel">
          {result?.formError ? <FormAlert>{result.formError}</FormAlert> : null}
          <Form method="post" className="form" noValidate>
            {/* A refused or invalid submission comes back with a fresh token (loaders do not rerun after a 4xx). */}
            <FormGuardFields challenge={result?.challenge ?? challenge} />
            {form.earliest === form.today ? (
              // Today only: no date to choose; the procedure dates the values itself.
              <p className="muted" data-testid="form-date">
                Values for today, {form.today}.
              </p>
            ) : (
              <TextField
                name="date"
                label="Date"
                type="date"
                required
                min={form.earliest}
                max={form.today}
                defaultValue={result?.date || form.today}
                errors={fe.date}
                hint={`The day these values are for: today, or back to ${form.earliest} if you are catching up.`}
              />
            )}
            {form.fields.map((f) => {
              const hint = [
                f.help,
                f.unit === 'currency' && f.currency ? `An amount in ${f.currency}` : (UNIT_HINT[f.unit] ?? ''),
              ]
                .filter(Boolean)
                .join(' · ');
              return (
                <TextField
                  key={f.id}
                  name={fieldName(f.id)}
                  label={f.label}
                  inputMode="decimal"
                  autoComplete="off"
                  maxLength={40}
                  defaultValue={result?.values[fieldName(f.id)]}
                  errors={fe[fieldName(f.id)]}
                  hint={hint || undefined}
                />
              );
            })}
            <div className="form__actions">
              <button type="submit" className="button" disabled={busy}>
                {busy ? 'Sending…' : 'Send'}
              </button>
            </div>
          </Form>
        </div>
      )}
    </PublicPage>
  );
}
