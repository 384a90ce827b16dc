import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { FormAlert, TextField } from '../components/field.tsx';
import { callApi, callIfSignedIn, formErrors, serverApi, toResponse } from '../trpc.server.ts';
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

export async function action(args: ActionFunctionArgs) {
  const form = await args.request.formData();
  const token = args.params.token ?? '';
  const { caller, resHeaders } = await serverApi(args);
  try {
    const joined =
      form.get('intent') === 'signup'
        ? await caller.invitations.signUpAndAccept({
            token,
            displayName: String(form.get('displayName') ?? ''),
            password: String(form.get('password') ?? ''),
          })
        : await caller.invitations.accept({ token });
    return redirect(`/orgs/${joined.slug}`, { headers: resHeaders });
  } catch (error) {
    const errors = formErrors(error, { also: ['NOT_FOUND', 'FORBIDDEN'] });
    if (!errors) throw toResponse(error, args.request);
    return data(errors, { status: 400, headers: resHeaders });
  }
}

export default function Invitation() {
  const { invitation, signedInAs } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  const fe = result?.fieldErrors ?? {};
  const here = typeof window === 'undefined' ? '' : window.location.pathname;
  return (
    <section className="auth-card" aria-labelledby="invite-title">
      <h1 id="invite-title">Join {invitation.organizationName}</h1>
      <p className="muted">
        {invitation.inviter ?? 'Someone'} invited <strong>{invitation.email}</strong> as{' '}
        <span className={`role role--${invitation.role}`}>{invitation.role}</span>.
      </p>
      {result?.formError ? <FormAlert>{result.formError}</FormAlert> : null}
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
        <Form method="post" className="form" noValidate>
          <input type="hidden" name="intent" value="signup" />
          <TextField
            name="displayName"
            label="Your name"
            autoComplete="name"
            required
            maxLength={100}
            errors={fe.displayName}
          />
          <TextField
            name="password"
            label="Choose a password"
            type="password"
            autoComplete="new-password"
            required
            errors={fe.password}
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
