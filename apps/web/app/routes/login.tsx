import { data, redirect, type ActionFunctionArgs, type HeadersFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { FormAlert, TextField } from '../components/field.tsx';
import { FormGuardFields } from '../components/form-guard.tsx';
import { checkForm, refusal } from '../form-guard.server.ts';
import { callIfSignedIn, formErrors, safeNext, serverApi, toResponse } from '../trpc.server.ts';

export const meta: MetaFunction = () => [{ title: 'Sign in · Metric Flow IQ' }];

export async function loader(args: LoaderFunctionArgs) {
  const next = safeNext(new URL(args.request.url).searchParams.get('next'));
  const me = await callIfSignedIn(args, (caller) => caller.auth.me());
  if (me) throw redirect(next);
  return { next: next === '/' ? null : next, challenge: args.context.forms.issue('sign-in') };
}

// A refusal's Retry-After (429) reaches the browser with the page.
export const headers: HeadersFunction = ({ actionHeaders }) => actionHeaders;

export async function action(args: ActionFunctionArgs) {
  const form = await args.request.formData();
  const email = String(form.get('email') ?? '');
  const next = safeNext(String(form.get('next') ?? ''));
  const verdict = await checkForm(args, 'sign-in', form);
  if (!verdict.ok) return refusal(verdict, { email, challenge: args.context.forms.issue('sign-in') });
  const { caller, resHeaders } = await serverApi(args);
  try {
    await caller.auth.signIn({ email, password: String(form.get('password') ?? '') });
    return redirect(next, { headers: resHeaders });
  } catch (error) {
    const errors = formErrors(error);
    if (!errors) throw toResponse(error, args.request);
    return data({ ...errors, email, challenge: args.context.forms.issue('sign-in') }, { status: 400, headers: resHeaders });
  }
}

export default function Login() {
  const { next, challenge } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  const fe = result?.fieldErrors ?? {};
  return (
    <section className="auth-card" aria-labelledby="login-title">
      <h1 id="login-title">Sign in</h1>
      {next ? <p className="muted">Sign in to continue to the page you asked for.</p> : <p className="muted">Welcome back.</p>}
      {result?.formError ? <FormAlert>{result.formError}</FormAlert> : null}
      <Form method="post" className="form" noValidate>
        {next ? <input type="hidden" name="next" value={next} /> : null}
        {/* A refused or invalid submission comes back with a fresh token (loaders do not rerun after a 4xx). */}
        <FormGuardFields challenge={result?.challenge ?? challenge} />
        <TextField name="email" label="Email" type="email" autoComplete="username" required defaultValue={result?.email} errors={fe.email} />
        <TextField name="password" label="Password" type="password" autoComplete="current-password" required errors={fe.password} />
        <button type="submit" className="button button--block" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </Form>
      <p className="auth-card__switch">
        New here? <Link to="/signup">Create an organization</Link>
      </p>
    </section>
  );
}
