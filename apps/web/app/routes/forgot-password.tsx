import {
  data,
  type ActionFunctionArgs,
  type HeadersFunction,
  type LoaderFunctionArgs,
  type MetaFunction,
} from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { requestResetInput } from '@mfiq/api/shared';
import { FormAlert, TextField } from '../components/field.tsx';
import { FormGuardFields } from '../components/form-guard.tsx';
import { refusalInit } from '../form-guard.server.ts';
import { submitPublicForm } from '../lib/form-action.server.ts';
import { fieldProps, useApiForm } from '../lib/forms.ts';
import authStyles from '../styles/auth.css?url';
import { stylesheets } from '../styles/links.ts';

export const links = stylesheets(authStyles);

export const meta: MetaFunction = () => [{ title: 'Reset your password · Metric Flow IQ' }];

export function loader(args: LoaderFunctionArgs) {
  return { guard: args.context.forms.issue('forgot-password') };
}

// A refusal's Retry-After (429) reaches the browser with the page.
export const headers: HeadersFunction = ({ actionHeaders }) => actionHeaders;

export async function action(args: ActionFunctionArgs) {
  const outcome = await submitPublicForm(args, 'forgot-password', requestResetInput, async ({ email }, api) => {
    await api.auth.requestPasswordReset({ email });
    return email;
  });
  if (outcome.ok) return data({ sent: outcome.value, reply: null, guard: null });
  if ('refused' in outcome) {
    // A bot caught by the honeypot, the fill-time token or a replay gets a person's answer ("if an
    // account exists, a link is on its way"), with no mail sent; only the rate limit and a failed
    // CAPTCHA say no.
    const typed = outcome.reply.initialValue?.email;
    if (outcome.refused.reason !== 'rate_limited' && outcome.refused.reason !== 'captcha')
      return data({ sent: typeof typed === 'string' ? typed.slice(0, 254) : '', reply: null, guard: null });
    return data(
      { sent: null, reply: outcome.reply, guard: args.context.forms.issue('forgot-password') },
      refusalInit(outcome.refused),
    );
  }
  return data(
    { sent: null, reply: outcome.reply, guard: args.context.forms.issue('forgot-password') },
    { status: 400, headers: outcome.resHeaders },
  );
}

export default function ForgotPassword() {
  const { guard } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  const [form, fields] = useApiForm(requestResetInput, { id: 'forgot-password', lastResult: result?.reply });
  return (
    <section className="auth-card" aria-labelledby="forgot-title">
      <h1 id="forgot-title">Reset your password</h1>
      {result?.sent != null ? (
        <FormAlert tone="success">
          If {result.sent} has an account, a reset link is on its way. It works once, for 30 minutes.
        </FormAlert>
      ) : (
        <>
          <p className="muted">We will email you a link to choose a new password.</p>
          {form.errors?.length ? <FormAlert>{form.errors.join(' ')}</FormAlert> : null}
          <Form method="post" className="form" id={form.id} onSubmit={form.onSubmit} noValidate>
            <FormGuardFields challenge={result?.guard ?? guard} />
            <TextField {...fieldProps(fields.email)} label="Email" type="email" autoComplete="username" required />
            <button type="submit" className="button button--block" disabled={busy}>
              Send the link
            </button>
          </Form>
        </>
      )}
      <p className="auth-card__switch">
        <Link to="/login">Back to sign in</Link>
      </p>
    </section>
  );
}
