import {
  data,
  redirect,
  type ActionFunctionArgs,
  type HeadersFunction,
  type LoaderFunctionArgs,
  type MetaFunction,
} from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { FormAlert, TextField } from '../components/field.tsx';
import { FormGuardFields } from '../components/form-guard.tsx';
import type { FormPass } from '@mfiq/api/server';
import { checkForm, refusal } from '../form-guard.server.ts';
import { safeNext } from '../safe-next.ts';
import { callIfSignedIn, formErrors, serverApi, toResponse } from '../trpc.server.ts';
import authStyles from '../styles/auth.css?url';
import { stylesheets } from '../styles/links.ts';

export const links = stylesheets(authStyles);

export const meta: MetaFunction = () => [{ title: 'Sign in · Metric Flow IQ' }];

export async function loader(args: LoaderFunctionArgs) {
  const next = safeNext(new URL(args.request.url).searchParams.get('next'));
  const me = await callIfSignedIn(args, (caller) => caller.auth.me());
  if (me) throw redirect(next);
  return { next: next === '/' ? null : next, guard: args.context.forms.issue('sign-in') };
}

// A refusal's Retry-After (429) reaches the browser with the page.
export const headers: HeadersFunction = ({ actionHeaders }) => actionHeaders;

/**
 * Two steps for accounts with two-factor: the password step answers with a challenge, kept in a
 * hidden field, and the code step completes it. Errors keep the visitor on the step they were on.
 * The password step is the public form the anti-abuse checks protect (ADR 0050); the code step is
 * bound to the challenge the password step issued.
 */
export async function action(args: ActionFunctionArgs) {
  const form = await args.request.formData();
  const email = String(form.get('email') ?? '');
  const next = safeNext(String(form.get('next') ?? ''));
  const challenge = String(form.get('challenge') ?? '');
  let formPass: FormPass | undefined;
  if (!challenge) {
    const verdict = await checkForm(args, 'sign-in', form);
    if (!verdict.ok)
      return refusal(verdict, {
        step: 'password' as const,
        challenge: '',
        email,
        guard: args.context.forms.issue('sign-in'),
      });
    formPass = verdict.pass;
  }
  const { caller, resHeaders } = await serverApi(args, { formPass });
  try {
    const out = challenge
      ? await caller.auth.signInTwoFactor({ challenge, code: String(form.get('code') ?? '') })
      : await caller.auth.signIn({ email, password: String(form.get('password') ?? '') });
    if (out.status === 'two_factor_required')
      return data({
        step: 'code' as const,
        challenge: out.challenge,
        email,
        formError: null,
        fieldErrors: {} as Record<string, string[]>,
        guard: null,
      });
    return redirect(next, { headers: resHeaders });
  } catch (error) {
    const errors = formErrors(error);
    if (!errors) throw toResponse(error, args.request);
    // An expired challenge starts over at the password; a wrong code stays on the code step.
    const stayOnCode = Boolean(challenge) && !/expired/.test(errors.formError ?? '');
    return data(
      {
        step: stayOnCode ? ('code' as const) : ('password' as const),
        challenge: stayOnCode ? challenge : '',
        email,
        ...errors,
        guard: args.context.forms.issue('sign-in'),
      },
      { status: 400, headers: resHeaders },
    );
  }
}

export default function Login() {
  const { next, guard } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  const fe = result?.fieldErrors ?? {};
  if (result?.step === 'code') {
    return (
      <section className="auth-card" aria-labelledby="login-title">
        <h1 id="login-title">Two-factor code</h1>
        <p className="muted">Enter the 6-digit code from your authenticator app, or one of your recovery codes.</p>
        {result.formError ? <FormAlert>{result.formError}</FormAlert> : null}
        <Form method="post" className="form" noValidate>
          {next ? <input type="hidden" name="next" value={next} /> : null}
          <input type="hidden" name="challenge" value={result.challenge} />
          <TextField
            name="code"
            label="Code"
            autoComplete="one-time-code"
            inputMode="text"
            required
            autoFocus
            errors={fe.code}
          />
          <button type="submit" className="button button--block" disabled={busy}>
            {busy ? 'Checking…' : 'Verify'}
          </button>
        </Form>
      </section>
    );
  }
  return (
    <section className="auth-card" aria-labelledby="login-title">
      <h1 id="login-title">Sign in</h1>
      {next ? (
        <p className="muted">Sign in to continue to the page you asked for.</p>
      ) : (
        <p className="muted">Welcome back.</p>
      )}
      {result?.formError ? <FormAlert>{result.formError}</FormAlert> : null}
      <Form method="post" className="form" noValidate>
        {next ? <input type="hidden" name="next" value={next} /> : null}
        {/* A refused or invalid submission comes back with a fresh token (loaders do not rerun after a 4xx). */}
        <FormGuardFields challenge={result?.guard ?? guard} />
        <TextField
          name="email"
          label="Email"
          type="email"
          autoComplete="username"
          required
          defaultValue={result?.email}
          errors={fe.email}
        />
        <TextField
          name="password"
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          errors={fe.password}
        />
        <button type="submit" className="button button--block" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </Form>
      <p className="auth-card__switch">
        <Link to="/forgot-password">Forgot your password?</Link> · New here?{' '}
        <Link to="/signup">Create an organization</Link>
      </p>
    </section>
  );
}
