import { data, redirect, type ActionFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useNavigation } from '@remix-run/react';
import { FormAlert, TextField } from '../components/field.tsx';
import { formErrors, serverApi, toResponse } from '../trpc.server.ts';

export const meta: MetaFunction = () => [{ title: 'Choose a new password · Metric Flow IQ' }];

export async function action(args: ActionFunctionArgs) {
  const form = await args.request.formData();
  const { caller } = await serverApi(args);
  try {
    await caller.auth.resetPassword({ token: args.params.token ?? '', password: String(form.get('password') ?? '') });
    // No session here: sign in with the new password (and the second factor, if any).
    return redirect('/login?reset=1');
  } catch (error) {
    const errors = formErrors(error, { also: ['NOT_FOUND'] });
    if (!errors) throw toResponse(error, args.request);
    return data(errors, { status: 400 });
  }
}

export default function ResetPassword() {
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  return (
    <section className="auth-card" aria-labelledby="reset-title">
      <h1 id="reset-title">Choose a new password</h1>
      <p className="muted">Every session of your account will be signed out.</p>
      {result?.formError ? <FormAlert>{result.formError}</FormAlert> : null}
      <Form method="post" className="form" noValidate>
        <TextField name="password" label="New password" type="password" autoComplete="new-password" required errors={result?.fieldErrors.password} />
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
