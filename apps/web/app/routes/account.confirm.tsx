import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { z } from 'zod';
import { reauthenticateInput } from '@mfiq/api/shared';
import { FormAlert, TextField } from '../components/field.tsx';
import { submitForm } from '../lib/form-action.server.ts';
import { fieldProps, useApiForm } from '../lib/forms.ts';
import { safeNext } from '../safe-next.ts';
import { callApi } from '../trpc.server.ts';
import authStyles from '../styles/auth.css?url';
import { stylesheets } from '../styles/links.ts';

export const links = stylesheets(authStyles);

export const meta: MetaFunction = () => [{ title: 'Confirm it is you · Metric Flow IQ' }];

export async function loader(args: LoaderFunctionArgs) {
  const account = await callApi(args, (caller) => caller.account.get());
  return { next: safeNext(new URL(args.request.url).searchParams.get('next')), twoFactor: account.twoFactor.enabled };
}

/** Where to go back to rides along as a hidden field; only a path on this site survives. */
const confirmForm = reauthenticateInput.extend({
  next: z
    .string()
    .optional()
    .transform((v) => safeNext(v ?? '/account')),
});

/** Re-authentication: a fresh proof of identity before a sensitive change, then back to it. */
export async function action(args: ActionFunctionArgs) {
  const outcome = await submitForm(args, confirmForm, async ({ next, ...proof }, api) => {
    await api.account.reauthenticate(proof);
    return next;
  });
  if (outcome.ok) throw redirect(outcome.value);
  return data({ reply: outcome.reply }, { status: 400 });
}

export default function ConfirmIdentity() {
  const { next, twoFactor } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  const [form, fields] = useApiForm(confirmForm, { id: 'reauthenticate', lastResult: result?.reply });
  return (
    <section className="auth-card" aria-labelledby="confirm-title">
      <h1 id="confirm-title">Confirm it is you</h1>
      <p className="muted">Changing your password or two-factor needs a sign-in from the last 10 minutes.</p>
      {form.errors?.length ? <FormAlert>{form.errors.join(' ')}</FormAlert> : null}
      <Form method="post" className="form" id={form.id} onSubmit={form.onSubmit} noValidate>
        <input type="hidden" name="next" value={next} />
        <TextField
          {...fieldProps(fields.password)}
          label="Password"
          type="password"
          autoComplete="current-password"
          required
        />
        {twoFactor ? (
          <TextField {...fieldProps(fields.code)} label="Code from your app" autoComplete="one-time-code" required />
        ) : null}
        <button type="submit" className="button button--block" disabled={busy}>
          Continue
        </button>
      </Form>
    </section>
  );
}
