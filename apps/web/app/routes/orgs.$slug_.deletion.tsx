import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { FormAlert } from '../components/field.tsx';
import lifecycleStyles from '../styles/lifecycle.css?url';
import { stylesheets } from '../styles/links.ts';
import { formErrors, isTrpcError, serverApi, toResponse } from '../trpc.server.ts';

export const links = stylesheets(lifecycleStyles);

export const meta: MetaFunction<typeof loader> = ({ data: d }) => [
  { title: d ? `${d.name} is scheduled for deletion · Metric Flow IQ` : 'Metric Flow IQ' },
];

/**
 * Outside the organization's frame on purpose: the organization is locked, so none of its pages
 * open. Members see what is scheduled; owners can cancel. Nothing pending: back to the organization.
 */
export async function loader(args: LoaderFunctionArgs) {
  const slug = args.params.slug ?? '';
  const { caller } = await serverApi(args);
  try {
    return await caller.org.deletionStatus({ slug });
  } catch (error) {
    if (isTrpcError(error) && error.code === 'NOT_FOUND') throw redirect(`/orgs/${slug}`);
    throw toResponse(error, args.request);
  }
}

export async function action(args: ActionFunctionArgs) {
  const slug = args.params.slug ?? '';
  const { caller } = await serverApi(args);
  try {
    await caller.org.cancelDeletion({ slug });
  } catch (error) {
    const errors = formErrors(error, { also: ['FORBIDDEN'] });
    if (!errors) throw toResponse(error, args.request);
    return data(errors, { status: 409 });
  }
  return redirect(`/orgs/${slug}?deletion=cancelled`, 303);
}

const when = (d: string | Date) =>
  new Date(d).toLocaleString('en-GB', { dateStyle: 'full', timeStyle: 'short', timeZone: 'UTC' }) + ' UTC';

export default function PendingDeletion() {
  const status = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  return (
    <section className="panel deletion-notice" aria-labelledby="deletion-title" data-testid="deletion-pending">
      <p className="eyebrow">Organization</p>
      <h1 id="deletion-title" className="deletion-notice__title">
        {status.name} is scheduled for deletion
      </h1>
      <p>
        {status.requestedBy ? (
          <>
            <strong>{status.requestedBy}</strong> asked to delete it on {when(status.requestedAt)}.
          </>
        ) : (
          <>An owner asked to delete it on {when(status.requestedAt)}.</>
        )}{' '}
        Until then it is locked: nobody can open its pages or use its API keys and forms.
      </p>
      <p className="deletion-notice__due">
        On <strong data-testid="deletion-due">{when(status.dueAt)}</strong> all of its data, its backups and its history
        are erased for good. Every owner will get a confirmation by email.
      </p>
      {result?.formError ? <FormAlert>{result.formError}</FormAlert> : null}
      {status.canCancel ? (
        <Form method="post" className="deletion-notice__actions">
          <button type="submit" className="button" disabled={busy}>
            {busy ? 'Cancelling…' : 'Cancel the deletion'}
          </button>
          <span className="muted">The organization opens again at once, exactly as it was.</span>
        </Form>
      ) : (
        <FormAlert tone="info">Only an owner can cancel the deletion. Ask one of them if it should be kept.</FormAlert>
      )}
    </section>
  );
}
