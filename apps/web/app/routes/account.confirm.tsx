import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { FormAlert, TextField } from '../components/field.tsx';
import { safeNext } from '../safe-next.ts';
import { callApi, formErrors, serverApi, toResponse } from '../trpc.server.ts';
import authStyles from '../styles/auth.css?url';
import { stylesheets } from '../styles/links.ts';

export const links = stylesheets(authStyles);

export const meta: MetaFunction = () => [{ title: 'Confirm it is you · Metric Flow IQ' }];

export async function loader(args: LoaderFunctionArgs) {
  const account = await callApi(args, (caller) => caller.account.get());
  return { next: safeNext(new URL(args.request.url).searchParams.get('next')), twoFactor: account.twoFactor.enabled };
}

/** Re-authentication: a fresh proof of identity before a sensitive change, then back to it. */
export async function action(args: ActionFunctionArgs) {
  const form = await args.request.formData();
  const code = String(form.get('code') ?? '');
  const { caller } = await serverApi(args);
  try {
    await caller.account.reauthenticate({ password: String(form.get('password') ?? ''), ...(code ? { code } : {}) });
    return redirect(safeNext(String(form.get('next') ?? '/account')));
  } catch (error) {
    const errors = formErrors(error);
    if (!errors) throw toResponse(error, args.request);
    return data(errors, { status: 400 });
  }
}

export default function ConfirmIdentity() {
  const { next, twoFactor } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  return (
    <section className="auth-card" aria-labelledby="confirm-title">
      <h1 id="confirm-title">Confirm it is you</h1>
      <p className="muted">Changing your password or two-factor needs a sign-in from the last 10 minutes.</p>
      {result?.formError ? <FormAlert>{result.formError}</FormAlert> : null}
      <Form method="post" className="form" noValidate>
        <input type="hidden" name="next" value={next} />
        <TextField
          name="password"
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          errors={result?.fieldErrors.password}
        />
        {twoFactor ? (
          <TextField
            name="code"
            label="Code from your app"
            autoComplete="one-time-code"
            required
            errors={result?.fieldErrors.code}
          />
        ) : null}
        <button type="submit" className="button button--block" disabled={busy}>
          Continue
        </button>
      </Form>
    </section>
  );
}
