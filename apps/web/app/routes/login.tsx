import {
  data,
  redirect,
  type ActionFunctionArgs,
  type HeadersFunction,
  type LoaderFunctionArgs,
  type MetaFunction,
} from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { z } from 'zod';
import { signInInput, twoFactorSignInInput } from '@mfiq/api/shared';
import { FormAlert, TextField } from '../components/field.tsx';
import { FormGuardFields } from '../components/form-guard.tsx';
import { refusalInit } from '../form-guard.server.ts';
import { submitForm, submitPublicForm } from '../lib/form-action.server.ts';
import { fieldProps, useApiForm } from '../lib/forms.ts';
import { safeNext } from '../safe-next.ts';
import { callIfSignedIn } from '../trpc.server.ts';
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

/** Where to go after signing in rides along as a hidden field; only a path on this site survives. */
const next = { next: z.string().optional().transform(safeNext) };
const passwordStep = signInInput.extend(next);
const codeStep = twoFactorSignInInput.extend(next);

/**
 * Two steps for accounts with two-factor: the password step answers with a challenge, kept in a
 * hidden field, and the code step (posted to `?step=code`) completes it. Errors keep the visitor on
 * the step they were on. The password step is the public form the anti-abuse checks protect (ADR
 * 0050); the code step is bound to the challenge the password step issued.
 */
export async function action(args: ActionFunctionArgs) {
  const guard = () => args.context.forms.issue('sign-in');
  if (new URL(args.request.url).searchParams.get('step') === 'code') {
    const outcome = await submitForm(args, codeStep, async ({ challenge, code, next }, api) => {
      await api.auth.signInTwoFactor({ challenge, code });
      return next;
    });
    if (outcome.ok) throw redirect(outcome.value, { headers: outcome.resHeaders });
    // An expired challenge starts over at the password; a wrong code stays on the code step.
    const expired = outcome.reply.error?.['']?.some((m) => /expired/.test(m)) ?? false;
    const typed = outcome.reply.initialValue?.challenge;
    const challenge = !expired && typeof typed === 'string' ? typed : '';
    return data(
      { step: expired ? ('password' as const) : ('code' as const), challenge, reply: outcome.reply, guard: guard() },
      { status: 400, headers: outcome.resHeaders },
    );
  }
  const outcome = await submitPublicForm(args, 'sign-in', passwordStep, async ({ email, password, next }, api) => ({
    out: await api.auth.signIn({ email, password }),
    next,
  }));
  if (!outcome.ok) {
    const init = 'refused' in outcome ? refusalInit(outcome.refused) : { status: 400 };
    return data({ step: 'password' as const, challenge: '', reply: outcome.reply, guard: guard() }, init);
  }
  const { out, next: to } = outcome.value;
  if (out.status === 'two_factor_required')
    return data({ step: 'code' as const, challenge: out.challenge, reply: null, guard: null });
  throw redirect(to, { headers: outcome.resHeaders });
}

export default function Login() {
  const { next, guard } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  const onCode = result?.step === 'code';
  const [form, fields] = useApiForm(passwordStep, { id: 'sign-in', lastResult: onCode ? null : result?.reply });
  const [codeForm, codeFields] = useApiForm(codeStep, { id: 'sign-in-code', lastResult: onCode ? result.reply : null });
  if (onCode) {
    return (
      <section className="auth-card" aria-labelledby="login-title">
        <h1 id="login-title">Two-factor code</h1>
        <p className="muted">Enter the 6-digit code from your authenticator app, or one of your recovery codes.</p>
        {codeForm.errors?.length ? <FormAlert>{codeForm.errors.join(' ')}</FormAlert> : null}
        <Form
          method="post"
          action={`?step=code${next ? `&next=${encodeURIComponent(next)}` : ''}`}
          className="form"
          id={codeForm.id}
          onSubmit={codeForm.onSubmit}
          noValidate
        >
          {next ? <input type="hidden" name="next" value={next} /> : null}
          <input type="hidden" name="challenge" value={result.challenge} />
          <TextField
            {...fieldProps(codeFields.code)}
            label="Code"
            autoComplete="one-time-code"
            inputMode="text"
            required
            autoFocus
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
      {form.errors?.length ? <FormAlert>{form.errors.join(' ')}</FormAlert> : null}
      <Form method="post" className="form" id={form.id} onSubmit={form.onSubmit} noValidate>
        {next ? <input type="hidden" name="next" value={next} /> : null}
        {/* A refused or invalid submission comes back with a fresh token (loaders do not rerun after a 4xx). */}
        <FormGuardFields challenge={result?.guard ?? guard} />
        <TextField {...fieldProps(fields.email)} label="Email" type="email" autoComplete="username" required />
        <TextField
          {...fieldProps(fields.password)}
          label="Password"
          type="password"
          autoComplete="current-password"
          required
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
