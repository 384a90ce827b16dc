import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation, useRouteLoaderData } from '@remix-run/react';
import { FormAlert, TextField } from '../components/field.tsx';
import { formErrors, serverApi, toResponse } from '../trpc.server.ts';
import type { OrgData } from './orgs.$slug.tsx';

export const meta: MetaFunction = () => [{ title: 'Address · Metric Flow IQ' }];

export function loader({ request }: LoaderFunctionArgs) {
  return { changed: new URL(request.url).searchParams.has('changed') };
}

export async function action(args: ActionFunctionArgs) {
  const slug = args.params.slug ?? '';
  const form = await args.request.formData();
  const newSlug = String(form.get('newSlug') ?? '').trim();
  const { caller } = await serverApi(args);
  try {
    const moved = await caller.org.changeSlug({ slug, newSlug });
    return redirect(`/orgs/${moved.slug}/settings/address?changed=1`, 303);
  } catch (error) {
    const errors = formErrors(error);
    if (!errors) throw toResponse(error, args.request);
    return data({ ...errors, newSlug }, { status: 400 });
  }
}

/** The owner changes the organization's address; the old one keeps working for members for 30 days. */
export default function OrganizationAddress() {
  const org = useRouteLoaderData<OrgData>('routes/orgs.$slug');
  const { changed } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
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
          {result?.formError ? <FormAlert>{result.formError}</FormAlert> : null}
          <Form method="post" className="form form--wide" noValidate>
            <TextField
              name="newSlug"
              label="New address"
              required
              maxLength={48}
              defaultValue={result?.newSlug ?? ''}
              hint="Lowercase letters, digits and dashes."
              errors={result?.fieldErrors.newSlug}
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
