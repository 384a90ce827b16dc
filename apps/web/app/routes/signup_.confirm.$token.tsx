import { data, redirect, type ActionFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useNavigation } from '@remix-run/react';
import { FormAlert } from '../components/field.tsx';
import { formErrors, serverApi, toResponse } from '../trpc.server.ts';
import authStyles from '../styles/auth.css?url';
import { stylesheets } from '../styles/links.ts';

export const links = stylesheets(authStyles);

export const meta: MetaFunction = () => [{ title: 'Confirm your email · Metric Flow IQ' }];

/** A page with a button, not a GET that acts: mail scanners that open links cannot spend the token. */
export async function action(args: ActionFunctionArgs) {
  const { caller, resHeaders } = await serverApi(args);
  try {
    const out = await caller.auth.completeSignUp({ token: args.params.token ?? '' });
    return redirect(`/orgs/${out.organization.slug}`, { headers: resHeaders });
  } catch (error) {
    const errors = formErrors(error, { also: ['NOT_FOUND'] });
    if (!errors) throw toResponse(error, args.request);
    return data(errors, { status: 400 });
  }
}

export default function ConfirmSignUp() {
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  return (
    <section className="auth-card" aria-labelledby="confirm-title">
      <h1 id="confirm-title">Confirm your email</h1>
      <p className="muted">One click and your organization is ready.</p>
      {result?.formError ? <FormAlert>{result.formError}</FormAlert> : null}
      <Form method="post" className="form">
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
