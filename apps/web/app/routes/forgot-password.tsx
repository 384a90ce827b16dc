import { data, type ActionFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useNavigation } from '@remix-run/react';
import { FormAlert, TextField } from '../components/field.tsx';
import { formErrors, serverApi, toResponse } from '../trpc.server.ts';

export const meta: MetaFunction = () => [{ title: 'Reset your password · Metric Flow IQ' }];

export async function action(args: ActionFunctionArgs) {
  const form = await args.request.formData();
  const email = String(form.get('email') ?? '');
  const { caller, resHeaders } = await serverApi(args);
  try {
    await caller.auth.requestPasswordReset({ email });
    return data({ sent: true, email, formError: null, fieldErrors: {} as Record<string, string[]> });
  } catch (error) {
    const errors = formErrors(error);
    if (!errors) throw toResponse(error, args.request);
    return data({ sent: false, email, ...errors }, { status: 400, headers: resHeaders });
  }
}

export default function ForgotPassword() {
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  return (
    <section className="auth-card" aria-labelledby="forgot-title">
      <h1 id="forgot-title">Reset your password</h1>
      {result?.sent ? (
        <FormAlert tone="success">If {result.email} has an account, a reset link is on its way. It works once, for 30 minutes.</FormAlert>
      ) : (
        <>
          <p className="muted">We will email you a link to choose a new password.</p>
          {result?.formError ? <FormAlert>{result.formError}</FormAlert> : null}
          <Form method="post" className="form" noValidate>
            <TextField name="email" label="Email" type="email" autoComplete="username" required defaultValue={result?.email} errors={result?.fieldErrors.email} />
            <button type="submit" className="button button--block" disabled={busy}>
              Send the link
            </button>
          </Form>
        </>
      )}
      <p className="auth-card__switch">
        <Link to="/login">Back to sign in</Link>
      </p>
    </section>
  );
}
