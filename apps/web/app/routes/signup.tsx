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
import { checkForm, refusal } from '../form-guard.server.ts';
import { callIfSignedIn, formErrors, serverApi, toResponse } from '../trpc.server.ts';
import authStyles from '../styles/auth.css?url';
import { stylesheets } from '../styles/links.ts';

export const links = stylesheets(authStyles);

export const meta: MetaFunction = () => [{ title: 'Create your organization · Metric Flow IQ' }];

export async function loader(args: LoaderFunctionArgs) {
  const me = await callIfSignedIn(args, (caller) => caller.auth.me());
  if (me) throw redirect('/');
  return { guard: args.context.forms.issue('sign-up') };
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
  // Sign-up always answers "check your email", so a bot caught by the honeypot, the fill-time token
  // or a replay gets exactly that answer (and no mail is sent); the rate limit and a failed CAPTCHA say no.
  if (!verdict.ok && verdict.reason !== 'rate_limited' && verdict.reason !== 'captcha') {
    return data({
      sent: values.email,
      formError: null,
      fieldErrors: {} as Record<string, string[]>,
      values,
      guard: null,
    });
  }
  if (!verdict.ok) return refusal(verdict, { sent: null, values, guard: args.context.forms.issue('sign-up') });
  const { caller, resHeaders } = await serverApi(args, { formPass: verdict.pass });
  try {
    const result = await caller.auth.signUp(values);
    // The same answer whether or not the email has an account: the mail says which.
    return data(
      { sent: result.email, formError: null, fieldErrors: {} as Record<string, string[]>, values, guard: null },
      { headers: resHeaders },
    );
  } catch (error) {
    const errors = formErrors(error);
    if (!errors) throw toResponse(error, args.request);
    return data(
      { sent: null, ...errors, values, guard: args.context.forms.issue('sign-up') },
      { status: 400, headers: resHeaders },
    );
  }
}

export default function SignUp() {
  const { guard } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  const fe = result?.fieldErrors ?? {};
  if (result?.sent) {
    return (
      <section className="auth-card" aria-labelledby="signup-title">
        <h1 id="signup-title">Check your email</h1>
        <FormAlert tone="success">
          We sent a message to <strong>{result.sent}</strong>. Open the link in it to choose your password and finish
          creating your organization.
        </FormAlert>
        <p className="muted">Nothing arrived? Check the spam folder, or sign in if you already have an account.</p>
      </section>
    );
  }
  return (
    <section className="auth-card" aria-labelledby="signup-title">
      <h1 id="signup-title">Create your organization</h1>
      <p className="muted">
        You will be its owner. We email you a link to confirm your address and choose your password; then you can invite
        your team.
      </p>
      {result?.formError ? <FormAlert>{result.formError}</FormAlert> : null}
      <Form method="post" className="form" noValidate>
        {/* A refused or invalid submission comes back with a fresh token (loaders do not rerun after a 4xx). */}
        <FormGuardFields challenge={result?.guard ?? guard} />
        <TextField
          name="displayName"
          label="Your name"
          autoComplete="name"
          required
          maxLength={100}
          defaultValue={result?.values.displayName}
          errors={fe.displayName}
        />
        <TextField
          name="email"
          label="Work email"
          type="email"
          autoComplete="email"
          required
          defaultValue={result?.values.email}
          errors={fe.email}
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
