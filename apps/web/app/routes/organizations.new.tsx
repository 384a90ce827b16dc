import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useNavigation } from '@remix-run/react';
import { createOrganizationInput } from '@mfiq/api/shared';
import { FormAlert, TextField } from '../components/field.tsx';
import { submitForm } from '../lib/form-action.server.ts';
import { fieldProps, useApiForm } from '../lib/forms.ts';
import { callApi } from '../trpc.server.ts';
import authStyles from '../styles/auth.css?url';
import { stylesheets } from '../styles/links.ts';

export const links = stylesheets(authStyles);

export const meta: MetaFunction = () => [{ title: 'New organization · Metric Flow IQ' }];

/** Signed-in people only: a signed-out visitor is sent to sign in and back. */
export async function loader(args: LoaderFunctionArgs) {
  await callApi(args, (caller) => caller.auth.me());
  return null;
}

export async function action(args: ActionFunctionArgs) {
  const outcome = await submitForm(args, createOrganizationInput, (value, api) => api.org.create(value));
  if (outcome.ok) throw redirect(`/orgs/${outcome.value.slug}`, 303);
  return data({ reply: outcome.reply }, { status: 400 });
}

export default function NewOrganization() {
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  const [form, fields] = useApiForm(createOrganizationInput, { id: 'new-organization', lastResult: result?.reply });
  return (
    <section className="auth-card" aria-labelledby="new-org-title">
      <h1 id="new-org-title">Create another organization</h1>
      <p className="muted">
        You will be its owner. It is separate from your other organizations: its own members, metrics and data.
      </p>
      {form.errors?.length ? <FormAlert>{form.errors.join(' ')}</FormAlert> : null}
      <Form method="post" className="form" id={form.id} onSubmit={form.onSubmit} noValidate>
        <TextField
          {...fieldProps(fields.name)}
          label="Organization name"
          autoComplete="organization"
          required
          maxLength={100}
        />
        <TextField
          {...fieldProps(fields.slug)}
          label="Address (optional)"
          maxLength={48}
          hint="Lowercase letters, digits and dashes, used in links: /orgs/your-address. Left empty, it is made from the name."
        />
        <button type="submit" className="button button--block" disabled={busy}>
          {busy ? 'Creating…' : 'Create organization'}
        </button>
      </Form>
      <p className="auth-card__switch">
        <Link to="/">Back to your organizations</Link>
      </p>
    </section>
  );
}
