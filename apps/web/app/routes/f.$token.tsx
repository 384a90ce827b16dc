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
import { dataFormSchema, fieldName } from '../data-form-fields.ts';
import { linkSubject } from '../data-form.server.ts';
import { refusalInit } from '../form-guard.server.ts';
import { submitPublicForm } from '../lib/form-action.server.ts';
import { fieldProps, useApiForm } from '../lib/forms.ts';
import { callApi, serverApi, toResponse } from '../trpc.server.ts';
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

const PAUSED = 'This form is paused and is not accepting answers right now.';

/**
 * The link is resolved first (an unknown or rotated link is a 404 and costs nothing), then the
 * anti-abuse checks run with the per-form budget of this link, then the values are parsed by the
 * page's schema (the procedure's, fed from one input per field) and written by the form-only procedure.
 */
export async function action(args: ActionFunctionArgs) {
  const token = args.params.token ?? '';
  const { caller } = await serverApi(args);
  const page = await caller.forms.publicGet({ token }).catch((error: unknown) => {
    throw toResponse(error, args.request);
  });
  const challenge = args.context.forms.issue('data-form');
  if (page.paused) return data({ reply: null, paused: PAUSED, challenge }, { status: 409 });
  const fieldIds = page.fields.map((f) => f.id);
  const outcome = await submitPublicForm(
    args,
    'data-form',
    dataFormSchema(fieldIds),
    (value, api) => api.forms.submit({ token, ...value }),
    // The procedure names fields by id; the page's inputs carry a prefix.
    { subject: linkSubject(token), alsoFormErrors: ['NOT_FOUND'], fieldName: (k) => (k === 'date' ? k : fieldName(k)) },
  );
  if (outcome.ok) throw redirect(`/f/${token}?sent=1`, 303);
  if ('refused' in outcome)
    return data({ reply: outcome.reply, paused: null, challenge }, refusalInit(outcome.refused));
  const known = new Set(['', 'date', ...fieldIds.map(fieldName)]);
  const changed = Object.keys(outcome.reply.error ?? {}).some((k) => !known.has(k));
  const status = outcome.apiCode === 'NOT_FOUND' ? 404 : outcome.apiCode === 'CONFLICT' ? 409 : 400;
  return data(
    { reply: outcome.reply, paused: changed ? 'The form has changed: reload the page.' : null, challenge },
    { status },
  );
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
  const schema = dataFormSchema(form.fields.map((f) => f.id));
  const [conform, fields] = useApiForm(schema, { id: 'data-form', lastResult: result?.reply });
  // The fields are the link's own: their names are known at run time only.
  const typed = (name: string) => {
    const v = result?.reply?.initialValue?.[name];
    return typeof v === 'string' ? v : undefined;
  };
  const formErrors = [...(result?.paused ? [result.paused] : []), ...(conform.errors ?? [])];
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
          {formErrors.length ? <FormAlert>{formErrors.join(' ')}</FormAlert> : null}
          <Form method="post" className="form" id={conform.id} onSubmit={conform.onSubmit} noValidate>
            {/* A refused or invalid submission comes back with a fresh token (loaders do not rerun after a 4xx). */}
            <FormGuardFields challenge={result?.challenge ?? challenge} />
            {form.earliest === form.today ? (
              // Today only: no date to choose; the procedure dates the values itself.
              <p className="muted" data-testid="form-date">
                Values for today, {form.today}.
              </p>
            ) : (
              <TextField
                {...fieldProps(fields.date)}
                defaultValue={fields.date.initialValue || form.today}
                label="Date"
                type="date"
                required
                min={form.earliest}
                max={form.today}
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
                  defaultValue={typed(fieldName(f.id))}
                  errors={conform.allErrors[fieldName(f.id)]}
                  label={f.label}
                  inputMode="decimal"
                  autoComplete="off"
                  maxLength={40}
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
