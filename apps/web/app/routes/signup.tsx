import { data, redirect, type ActionFunctionArgs, type HeadersFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { FormAlert, TextField } from '../components/field.tsx';
import { FormGuardFields } from '../components/form-guard.tsx';
import { checkForm, refusal } from '../form-guard.server.ts';
import { callIfSignedIn, formErrors, serverApi, toResponse } from '../trpc.server.ts';

export const meta: MetaFunction = () => [{ title: 'Create your organization · Metric Flow IQ' }];

export async function loader(args: LoaderFunctionArgs) {
  const me = await callIfSignedIn(args, (caller) => caller.auth.me());
  if (me) throw redirect('/');
  return { challenge: args.context.forms.issue('sign-up') };
}

// A refusal's Retry-After (429) reaches the browser with the page.
export const headers: HeadersFunction = ({ actionHeaders }) => actionHeaders;

const text = (form: FormData, key: string) => {
  const v = form.get(key);
  return typeof v === 'string' ? v : '';
};

export async function action(args: ActionFunctionArgs) {
  const form = await args.request.formData();
  const values = {
    email: text(form, 'email'),
    displayName: text(form, 'displayName'),
    organizationName: text(form, 'organizationName'),
  };
  const verdict = await checkForm(args, 'sign-up', form);
  if (!verdict.ok) return refusal(verdict, { values, challenge: args.context.forms.issue('sign-up') });
  const { caller, resHeaders } = await serverApi(args);
  try {
    const result = await caller.auth.signUp({ ...values, password: text(form, 'password') });
    return redirect(`/orgs/${result.organization.slug}`, { headers: resHeaders });
  } catch (error) {
    const errors = formErrors(error);
    if (!errors) throw toResponse(error, args.request);
    // The password is never sent back to the page.
    return data({ ...errors, values, challenge: args.context.forms.issue('sign-up') }, { status: 400, headers: resHeaders });
  }
}

export default function SignUp() {
  const { challenge } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  const fe = result?.fieldErrors ?? {};
  return (
    <section className="auth-card" aria-labelledby="signup-title">
      <h1 id="signup-title">Create your organization</h1>
      <p className="muted">You will be its owner. You can invite your team afterwards.</p>
      {result?.formError ? <FormAlert>{result.formError}</FormAlert> : null}
      <Form method="post" className="form" noValidate>
        {/* A refused or invalid submission comes back with a fresh token (loaders do not rerun after a 4xx). */}
        <FormGuardFields challenge={result?.challenge ?? challenge} />
        <TextField name="displayName" label="Your name" autoComplete="name" required maxLength={100} defaultValue={result?.values.displayName} errors={fe.displayName} />
        <TextField name="email" label="Work email" type="email" autoComplete="email" required defaultValue={result?.values.email} errors={fe.email} />
        <TextField
          name="password"
          label="Password"
          type="password"
          autoComplete="new-password"
          required
          hint="At least 8 characters. Long passphrases are best."
          errors={fe.password}
        />
        <TextField
          name="organizationName"
          label="Organization name"
          autoComplete="organization"
          required
          maxLength={100}
          defaultValue={result?.values.organizationName}
          errors={[...(fe.organizationName ?? []), ...(fe.organizationSlug ?? [])]}
        />
        <button type="submit" className="button button--block" disabled={busy}>
          {busy ? 'Creating…' : 'Create organization'}
        </button>
      </Form>
      <p className="auth-card__switch">
        Already have an account? <Link to="/login">Sign in</Link>
      </p>
    </section>
  );
}
