import {
  data,
  redirect,
  type ActionFunctionArgs,
  type HeadersFunction,
  type LoaderFunctionArgs,
  type MetaFunction,
} from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { resetPasswordInput } from '@mfiq/api/shared';
import { FormAlert, TextField } from '../components/field.tsx';
import { FormGuardFields } from '../components/form-guard.tsx';
import { refusalInit } from '../form-guard.server.ts';
import { submitPublicForm } from '../lib/form-action.server.ts';
import { fieldProps, useApiForm } from '../lib/forms.ts';
import authStyles from '../styles/auth.css?url';
import { stylesheets } from '../styles/links.ts';

export const links = stylesheets(authStyles);

export const meta: MetaFunction = () => [{ title: 'Choose a new password · Metric Flow IQ' }];

export function loader(args: LoaderFunctionArgs) {
  return { guard: args.context.forms.issue('reset-password') };
}

// A refusal's Retry-After (429) reaches the browser with the page.
export const headers: HeadersFunction = ({ actionHeaders }) => actionHeaders;

/** The link (the token) is in the address; the page asks only for the password. */
const resetForm = resetPasswordInput.pick({ password: true });

export async function action(args: ActionFunctionArgs) {
  // One generic message for every check: the link in the URL is the secret here, so there is no
  // answer to hide behind a pretend success, and a person who double-submitted can simply retry.
  const outcome = await submitPublicForm(
    args,
    'reset-password',
    resetForm,
    ({ password }, api) => api.auth.resetPassword({ token: args.params.token ?? '', password }),
    { alsoFormErrors: ['NOT_FOUND'] },
  );
  // No session here: sign in with the new password (and the second factor, if any).
  if (outcome.ok) throw redirect('/login?reset=1');
  const guard = args.context.forms.issue('reset-password');
  return data({ reply: outcome.reply, guard }, 'refused' in outcome ? refusalInit(outcome.refused) : { status: 400 });
}

export default function ResetPassword() {
  const { guard } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  const [form, fields] = useApiForm(resetForm, { id: 'reset-password', lastResult: result?.reply });
  return (
    <section className="auth-card" aria-labelledby="reset-title">
      <h1 id="reset-title">Choose a new password</h1>
      <p className="muted">Every session of your account will be signed out.</p>
      {form.errors?.length ? <FormAlert>{form.errors.join(' ')}</FormAlert> : null}
      <Form method="post" className="form" id={form.id} onSubmit={form.onSubmit} noValidate>
        <FormGuardFields challenge={result?.guard ?? guard} />
        <TextField
          {...fieldProps(fields.password)}
          label="New password"
          type="password"
          autoComplete="new-password"
          required
        />
        <button type="submit" className="button button--block" disabled={busy}>
          Set the new password
        </button>
      </Form>
      <p className="auth-card__switch">
        <Link to="/forgot-password">Ask for a new link</Link>
      </p>
    </section>
  );
}
