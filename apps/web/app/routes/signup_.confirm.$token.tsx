import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { completeSignUpInput } from '@mfiq/api/shared';
import { FormAlert, TextField } from '../components/field.tsx';
import { submitForm } from '../lib/form-action.server.ts';
import { fieldProps, useApiForm } from '../lib/forms.ts';
import { callApi } from '../trpc.server.ts';
import authStyles from '../styles/auth.css?url';
import { stylesheets } from '../styles/links.ts';

export const links = stylesheets(authStyles);

export const meta: MetaFunction = () => [{ title: 'Confirm your email · Metric Flow IQ' }];

/** Shows what the link is for; an invalid or used link answers 404 with its message. */
export async function loader(args: LoaderFunctionArgs) {
  const token = args.params.token ?? '';
  return callApi(args, (caller) => caller.auth.signUpRequest({ token }));
}

/** The link (the token) is in the address; the page asks for the names and the password. */
const confirmForm = completeSignUpInput.omit({ token: true });

/**
 * The password is chosen here, by whoever opened the link from the mailbox, never at sign-up: a
 * sign-up with somebody else's address cannot fix the password of the account they confirm. A
 * form, not a GET that acts: mail scanners that open links cannot spend the token.
 */
export async function action(args: ActionFunctionArgs) {
  const outcome = await submitForm(
    args,
    confirmForm,
    (value, api) => api.auth.completeSignUp({ token: args.params.token ?? '', ...value }),
    { alsoFormErrors: ['NOT_FOUND'] },
  );
  if (outcome.ok) throw redirect(`/orgs/${outcome.value.organization.slug}`, { headers: outcome.resHeaders });
  // The password is never sent back to the page (the reply leaves it out).
  return data({ reply: outcome.reply }, { status: 400 });
}

export default function ConfirmSignUp() {
  const request = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  const [form, fields] = useApiForm(confirmForm, { id: 'confirm-sign-up', lastResult: result?.reply });
  return (
    <section className="auth-card" aria-labelledby="confirm-title">
      <h1 id="confirm-title">Finish creating your organization</h1>
      <p className="muted">
        Your email <strong>{request.email}</strong> is confirmed. Choose your password to sign in from now on.
      </p>
      {form.errors?.length ? <FormAlert>{form.errors.join(' ')}</FormAlert> : null}
      <Form method="post" className="form" id={form.id} onSubmit={form.onSubmit} noValidate>
        {/* For password managers: the account this new password belongs to. */}
        <input type="hidden" name="username" autoComplete="username" value={request.email} />
        <TextField
          {...fieldProps(fields.displayName)}
          defaultValue={fields.displayName.initialValue ?? request.displayName}
          label="Your name"
          autoComplete="name"
          required
          maxLength={100}
        />
        <TextField
          {...fieldProps(fields.organizationName)}
          defaultValue={fields.organizationName.initialValue ?? request.organizationName}
          label="Organization name"
          autoComplete="organization"
          required
          maxLength={100}
        />
        <TextField
          {...fieldProps(fields.password)}
          label="Password"
          type="password"
          autoComplete="new-password"
          required
          hint="At least 8 characters, and not one known from data breaches. Long passphrases are best."
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
