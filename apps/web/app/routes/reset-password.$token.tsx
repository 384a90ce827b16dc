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
import { formErrors, serverApi, toResponse } from '../trpc.server.ts';
import authStyles from '../styles/auth.css?url';
import { stylesheets } from '../styles/links.ts';

export const links = stylesheets(authStyles);

export const meta: MetaFunction = () => [{ title: 'Choose a new password · Metric Flow IQ' }];

export function loader(args: LoaderFunctionArgs) {
  return { guard: args.context.forms.issue('reset-password') };
}

// A refusal's Retry-After (429) reaches the browser with the page.
export const headers: HeadersFunction = ({ actionHeaders }) => actionHeaders;

export async function action(args: ActionFunctionArgs) {
  const form = await args.request.formData();
  const verdict = await checkForm(args, 'reset-password', form);
  // One generic message for every check: the link in the URL is the secret here, so there is no
  // answer to hide behind a pretend success, and a person who double-submitted can simply retry.
  if (!verdict.ok) return refusal(verdict, { guard: args.context.forms.issue('reset-password') });
  const { caller } = await serverApi(args, { formPass: verdict.pass });
  try {
    await caller.auth.resetPassword({ token: args.params.token ?? '', password: String(form.get('password') ?? '') });
    // No session here: sign in with the new password (and the second factor, if any).
    return redirect('/login?reset=1');
  } catch (error) {
    const errors = formErrors(error, { also: ['NOT_FOUND'] });
    if (!errors) throw toResponse(error, args.request);
    return data({ ...errors, guard: args.context.forms.issue('reset-password') }, { status: 400 });
  }
}

export default function ResetPassword() {
  const { guard } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  return (
    <section className="auth-card" aria-labelledby="reset-title">
      <h1 id="reset-title">Choose a new password</h1>
      <p className="muted">Every session of your account will be signed out.</p>
      {result?.formError ? <FormAlert>{result.formError}</FormAlert> : null}
      <Form method="post" className="form" noValidate>
        <FormGuardFields challenge={result?.guard ?? guard} />
        <TextField
          name="password"
          label="New password"
          type="password"
          autoComplete="new-password"
          required
          errors={result?.fieldErrors.password}
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
