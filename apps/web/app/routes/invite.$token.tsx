import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { signUpAndAcceptInput } from '@mfiq/api/shared';
import { z } from 'zod';
import { FormAlert, TextField } from '../components/field.tsx';
import { submitForm } from '../lib/form-action.server.ts';
import { fieldProps, useApiForm } from '../lib/forms.ts';
import { callApi, callIfSignedIn } from '../trpc.server.ts';
import authStyles from '../styles/auth.css?url';
import { stylesheets } from '../styles/links.ts';

export const links = stylesheets(authStyles);

export const meta: MetaFunction = () => [{ title: 'Invitation · Metric Flow IQ' }];

export async function loader(args: LoaderFunctionArgs) {
  const token = args.params.token ?? '';
  const invitation = await callApi(args, (caller) => caller.invitations.get({ token }));
  const me = await callIfSignedIn(args, (caller) => caller.auth.me());
  return { invitation, signedInAs: me?.user.email ?? null };
}

/**
 * Two forms: a signed-in invitee accepts; one without an account names themselves and chooses a
 * password (the token is in the address).
 */
const inviteForm = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('accept') }),
  signUpAndAcceptInput.omit({ token: true }).extend({ intent: z.literal('signup') }),
]);

export async function action(args: ActionFunctionArgs) {
  const token = args.params.token ?? '';
  const outcome = await submitForm(
    args,
    inviteForm,
    (value, api) =>
      value.intent === 'signup'
        ? api.invitations.signUpAndAccept({ token, displayName: value.displayName, password: value.password })
        : api.invitations.accept({ token }),
    { alsoFormErrors: ['NOT_FOUND', 'FORBIDDEN'] },
  );
  if (outcome.ok) throw redirect(`/orgs/${outcome.value.slug}`, { headers: outcome.resHeaders });
  return data({ reply: outcome.reply }, { status: 400, headers: outcome.resHeaders });
}

/** The sign-up form's fields: what the API's schema asks of a new account. */
const signUpFields = signUpAndAcceptInput.omit({ token: true });

export default function Invitation() {
  const { invitation, signedInAs } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  const [form, fields] = useApiForm(signUpFields, { id: 'invite-sign-up', lastResult: result?.reply });
  const here = typeof window === 'undefined' ? '' : window.location.pathname;
  return (
    <section className="auth-card" aria-labelledby="invite-title">
      <h1 id="invite-title">Join {invitation.organizationName}</h1>
      <p className="muted">
        {invitation.inviter ?? 'Someone'} invited <strong>{invitation.email}</strong> as{' '}
        <span className={`role role--${invitation.role}`}>{invitation.role}</span>.
      </p>
      {form.errors?.length ? <FormAlert>{form.errors.join(' ')}</FormAlert> : null}
      {invitation.status !== 'pending' ? (
        <FormAlert>
          This invitation{' '}
          {invitation.status === 'used'
            ? 'has already been used'
            : invitation.status === 'expired'
              ? 'has expired'
              : 'was withdrawn'}
          . Ask for a new one.
        </FormAlert>
      ) : signedInAs ? (
        <Form method="post" className="form">
          <p className="muted">You are signed in as {signedInAs}.</p>
          <button type="submit" name="intent" value="accept" className="button button--block" disabled={busy}>
            Accept the invitation
          </button>
        </Form>
      ) : invitation.accountExists ? (
        <p>
          <Link className="button button--block" to={`/login?next=${encodeURIComponent(here)}`}>
            Sign in as {invitation.email} to accept
          </Link>
        </p>
      ) : (
        <Form method="post" className="form" id={form.id} onSubmit={form.onSubmit} noValidate>
          <input type="hidden" name="intent" value="signup" />
          <TextField
            {...fieldProps(fields.displayName)}
            label="Your name"
            autoComplete="name"
            required
            maxLength={100}
          />
          <TextField
            {...fieldProps(fields.password)}
            label="Choose a password"
            type="password"
            autoComplete="new-password"
            required
            hint="At least 8 characters."
          />
          <button type="submit" className="button button--block" disabled={busy}>
            Create my account and join
          </button>
        </Form>
      )}
    </section>
  );
}
