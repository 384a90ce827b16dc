import {
  data,
  redirect,
  type ActionFunctionArgs,
  type HeadersFunction,
  type LoaderFunctionArgs,
  type MetaFunction,
} from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { signUpInput } from '@mfiq/api/shared';
import { FormAlert, TextField } from '../components/field.tsx';
import { FormGuardFields } from '../components/form-guard.tsx';
import { refusalInit } from '../form-guard.server.ts';
import { submitPublicForm } from '../lib/form-action.server.ts';
import { fieldProps, useApiForm } from '../lib/forms.ts';
import { callIfSignedIn } from '../trpc.server.ts';
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

/** The page asks for the organization's name; its address is derived from it by the API. */
const signUpForm = signUpInput.omit({ organizationSlug: true });

export async function action(args: ActionFunctionArgs) {
  const outcome = await submitPublicForm(args, 'sign-up', signUpForm, async (value, api) => {
    // The same answer whether or not the email has an account: the mail says which.
    const result = await api.auth.signUp(value);
    return result.email;
  });
  if (outcome.ok) return data({ sent: outcome.value, reply: null, guard: null }, { headers: outcome.resHeaders });
  if ('refused' in outcome) {
    // Sign-up always answers "check your email", so a bot caught by the honeypot, the fill-time token
    // or a replay gets exactly that answer (and no mail is sent); the rate limit and a failed CAPTCHA say no.
    const typed = outcome.reply.initialValue?.email;
    if (outcome.refused.reason !== 'rate_limited' && outcome.refused.reason !== 'captcha')
      return data({ sent: typeof typed === 'string' ? typed : '', reply: null, guard: null });
    return data(
      { sent: null, reply: outcome.reply, guard: args.context.forms.issue('sign-up') },
      refusalInit(outcome.refused),
    );
  }
  return data(
    { sent: null, reply: outcome.reply, guard: args.context.forms.issue('sign-up') },
    { status: 400, headers: outcome.resHeaders },
  );
}

export default function SignUp() {
  const { guard } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  const [form, fields] = useApiForm(signUpForm, { id: 'sign-up', lastResult: result?.reply });
  // The address derived from the name can be taken: the API names `organizationSlug`.
  const slugErrors = result?.reply?.error?.organizationSlug ?? [];
  if (result?.sent != null) {
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
      {form.errors?.length ? <FormAlert>{form.errors.join(' ')}</FormAlert> : null}
      <Form method="post" className="form" id={form.id} onSubmit={form.onSubmit} noValidate>
        {/* A refused or invalid submission comes back with a fresh token (loaders do not rerun after a 4xx). */}
        <FormGuardFields challenge={result?.guard ?? guard} />
        <TextField {...fieldProps(fields.displayName)} label="Your name" autoComplete="name" required maxLength={100} />
        <TextField {...fieldProps(fields.email)} label="Work email" type="email" autoComplete="email" required />
        <TextField
          {...fieldProps(fields.organizationName)}
          errors={[...(fields.organizationName.errors ?? []), ...slugErrors]}
          label="Organization name"
          autoComplete="organization"
          required
          maxLength={100}
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
