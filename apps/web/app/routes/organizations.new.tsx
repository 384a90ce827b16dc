import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useNavigation } from '@remix-run/react';
import { FormAlert, TextField } from '../components/field.tsx';
import { callApi, formErrors, serverApi, toResponse } from '../trpc.server.ts';
import authStyles from '../styles/auth.css?url';
import { stylesheets } from '../styles/links.ts';

export const links = stylesheets(authStyles);

export const meta: MetaFunction = () => [{ title: 'New organization · Metric Flow IQ' }];

/** Signed-in people only: a signed-out visitor is sent to sign in and back. */
export async function loader(args: LoaderFunctionArgs) {
  await callApi(args, (caller) => caller.auth.me());
  return null;
}

const text = (form: FormData, key: string) => {
  const v = form.get(key);
  return typeof v === 'string' ? v : '';
};

export async function action(args: ActionFunctionArgs) {
  const form = await args.request.formData();
  const values = { name: text(form, 'name'), slug: text(form, 'slug').trim() };
  const { caller } = await serverApi(args);
  try {
    const created = await caller.org.create({ name: values.name, ...(values.slug ? { slug: values.slug } : {}) });
    return redirect(`/orgs/${created.slug}`, 303);
  } catch (error) {
    const errors = formErrors(error);
    if (!errors) throw toResponse(error, args.request);
    return data({ ...errors, values }, { status: 400 });
  }
}

export default function NewOrganization() {
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  const fe = result?.fieldErrors ?? {};
  return (
    <section className="auth-card" aria-labelledby="new-org-title">
      <h1 id="new-org-title">Create another organization</h1>
      <p className="muted">
        You will be its owner. It is separate from your other organizations: its own members, metrics and data.
      </p>
      {result?.formError ? <FormAlert>{result.formError}</FormAlert> : null}
      <Form method="post" className="form" noValidate>
        <TextField
          name="name"
          label="Organization name"
          autoComplete="organization"
          required
          maxLength={100}
          defaultValue={result?.values.name}
          errors={fe.name}
        />
        <TextField
          name="slug"
          label="Address (optional)"
          maxLength={48}
          defaultValue={result?.values.slug}
          hint="Lowercase letters, digits and dashes, used in links: /orgs/your-address. Left empty, it is made from the name."
          errors={fe.slug}
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
