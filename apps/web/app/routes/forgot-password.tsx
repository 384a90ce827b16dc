import {
  data,
  type ActionFunctionArgs,
  type HeadersFunction,
  type LoaderFunctionArgs,
  type MetaFunction,
} from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { FormAlert, TextField } from '../components/field.tsx';
import { FormGuardFields } from '../components/form-guard.tsx';
import { checkForm, refusal } from '../form-guard.server.ts';
import { formErrors, serverApi, toResponse } from '../trpc.server.ts';
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
  const form = await args.request.formData();
  const email = String(form.get('email') ?? '').slice(0, 254);
  const sent = () =>
    data({ sent: true, email, formError: null, fieldErrors: {} as Record<string, string[]>, guard: null });
  const verdict = await checkForm(args, 'forgot-password', form);
  // A bot caught by the honeypot, the fill-time token or a replay gets a person's answer ("if an
  // account exists, a link is on its way"), with no mail sent; only the rate limit and a failed
  // CAPTCHA say no.
  if (!verdict.ok && verdict.reason !== 'rate_limited' && verdict.reason !== 'captcha') return sent();
  if (!verdict.ok) return refusal(verdict, { sent: false, email, guard: args.context.forms.issue('forgot-password') });
  const { caller, resHeaders } = await serverApi(args, { formPass: verdict.pass });
  try {
    await caller.auth.requestPasswordReset({ email });
    return sent();
  } catch (error) {
    const errors = formErrors(error);
    if (!errors) throw toResponse(error, args.request);
    return data(
      { sent: false, email, ...errors, guard: args.context.forms.issue('forgot-password') },
      { status: 400, headers: resHeaders },
    );
  }
}

export default function ForgotPassword() {
  const { guard } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  return (
    <section className="auth-card" aria-labelledby="forgot-title">
      <h1 id="forgot-title">Reset your password</h1>
      {result?.sent ? (
        <FormAlert tone="success">
          If {result.email} has an account, a reset link is on its way. It works once, for 30 minutes.
        </FormAlert>
      ) : (
        <>
          <p className="muted">We will email you a link to choose a new password.</p>
          {result?.formError ? <FormAlert>{result.formError}</FormAlert> : null}
          <Form method="post" className="form" noValidate>
            <FormGuardFields challenge={result?.guard ?? guard} />
            <TextField
              name="email"
              label="Email"
              type="email"
              autoComplete="username"
              required
              defaultValue={result?.email}
              errors={result?.fieldErrors.email}
            />
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
