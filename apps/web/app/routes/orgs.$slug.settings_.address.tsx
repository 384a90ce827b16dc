import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation, useRouteLoaderData } from '@remix-run/react';
import { changeSlugInput } from '@mfiq/api/shared';
import { FormAlert, TextField } from '../components/field.tsx';
import { submitForm } from '../lib/form-action.server.ts';
import { fieldProps, useApiForm } from '../lib/forms.ts';
import type { OrgData } from './orgs.$slug.tsx';

export const meta: MetaFunction = () => [{ title: 'Address · Metric Flow IQ' }];

export function loader({ request }: LoaderFunctionArgs) {
  return { changed: new URL(request.url).searchParams.has('changed') };
}

export async function action(args: ActionFunctionArgs) {
  const slug = args.params.slug ?? '';
  const outcome = await submitForm(args, changeSlugInput, ({ newSlug }, api) => api.org.changeSlug({ slug, newSlug }));
  if (outcome.ok) throw redirect(`/orgs/${outcome.value.slug}/settings/address?changed=1`, 303);
  return data({ reply: outcome.reply }, { status: 400 });
}

/** The owner changes the organization's address; the old one keeps working for members for 30 days. */
export default function OrganizationAddress() {
  const org = useRouteLoaderData<OrgData>('routes/orgs.$slug');
  const { changed } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  const [form, fields] = useApiForm(changeSlugInput, { id: 'change-address', lastResult: result?.reply });
  if (!org) return null;
  const { organization, permissions } = org;
  return (
    <section className="panel" aria-labelledby="address-title">
      <p className="history-link">
        <Link to={`/orgs/${organization.slug}/settings`}>← Settings</Link>
      </p>
      <h2 id="address-title" className="panel__title">
        Address
      </h2>
      <p>
        Your organization lives at <code data-testid="current-address">/orgs/{organization.slug}</code>.
      </p>
      {changed && !result ? <FormAlert tone="success">Address changed.</FormAlert> : null}
      {permissions.includes('org:slug') ? (
        <>
          <p className="muted">
            After a change, links to the old address keep working for your members for 30 days, and no other
            organization can take it in that time. Then it is free again.
          </p>
          {form.errors?.length ? <FormAlert>{form.errors.join(' ')}</FormAlert> : null}
          <Form method="post" className="form form--wide" id={form.id} onSubmit={form.onSubmit} noValidate>
            <TextField
              {...fieldProps(fields.newSlug)}
              label="New address"
              required
              maxLength={48}
              hint="Lowercase letters, digits and dashes."
            />
            <div className="form__actions">
              <button type="submit" className="button" disabled={busy}>
                {busy ? 'Changing…' : 'Change address'}
              </button>
            </div>
          </Form>
        </>
      ) : (
        <FormAlert tone="info">Only an owner can change the address. Your role is {org.role}.</FormAlert>
      )}
    </section>
  );
}
