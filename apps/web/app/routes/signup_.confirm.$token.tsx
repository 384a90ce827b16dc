import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { FormAlert, TextField } from '../components/field.tsx';
import { callApi, formErrors, serverApi, toResponse } from '../trpc.server.ts';
import authStyles from '../styles/auth.css?url';
import { stylesheets } from '../styles/links.ts';

export const links = stylesheets(authStyles);

export const meta: MetaFunction = () => [{ title: 'Confirm your email · Metric Flow IQ' }];

/** Shows what the link is for; an invalid or used link answers 404 with its message. */
export async function loader(args: LoaderFunctionArgs) {
  const token = args.params.token ?? '';
  return callApi(args, (caller) => caller.auth.signUpRequest({ token }));
}

const text = (form: FormData, key: string) => {
  const v = form.get(key);
  return typeof v === 'string' ? v : '';
};

/**
 * The password is chosen here, by whoever opened the link from the mailbox, never at sign-up: a
 * sign-up with somebody else's address cannot fix the password of the account they confirm. A
 * form, not a GET that acts: mail scanners that open links cannot spend the token.
 */
export async function action(args: ActionFunctionArgs) {
  const form = await args.request.formData();
  const values = { displayName: text(form, 'displayName'), organizationName: text(form, 'organizationName') };
  const { caller, resHeaders } = await serverApi(args);
  try {
    const out = await caller.auth.completeSignUp({
      token: args.params.token ?? '',
      password: text(form, 'password'),
      ...values,
    });
    return redirect(`/orgs/${out.organization.slug}`, { headers: resHeaders });
  } catch (error) {
    const errors = formErrors(error, { also: ['NOT_FOUND'] });
    if (!errors) throw toResponse(error, args.request);
    // The password is never sent back to the page.
    return data({ ...errors, values }, { status: 400 });
  }
}

export default function ConfirmSignUp() {
  const request = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  const fe = result?.fieldErrors ?? {};
  return (
    <section className="auth-card" aria-labelledby="confirm-title">
      <h1 id="confirm-title">Finish creating your organization</h1>
      <p className="muted">
        Your email <strong>{request.email}</strong> is confirmed. Choose your password to sign in from now on.
      </p>
      {result?.formError ? <FormAlert>{result.formError}</FormAlert> : null}
      <Form method="post" className="form" noValidate>
        {/* For password managers: the account this new password belongs to. */}
        <input type="hidden" name="username" autoComplete="username" value={request.email} />
        <TextField
          name="displayName"
          label="Your name"
          autoComplete="name"
          required
          maxLength={100}
          defaultValue={result?.values.displayName ?? request.displayName}
          errors={fe.displayName}
        />
        <TextField
          name="organizationName"
          label="Organization name"
          autoComplete="organization"
          required
          maxLength={100}
          defaultValue={result?.values.organizationName ?? request.organizationName}
          errors={fe.organizationName}
        />
        <TextField
          name="password"
          label="Password"
          type="password"
          autoComplete="new-password"
          required
          hint="At least 8 characters, and not one known from data breaches. Long passphrases are best."
          errors={fe.password}
        />
        <button type="submit" className="button button--block" disabled={busy}>
          {busy ? 'Creating…' : 'Create my organization'}
        </button>
      </Form>
      <p className="auth-card__switch">
        <Link to="/signup">Start over</Link>
      </p>
    </section>
  );
}
