import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation, useRouteLoaderData } from '@remix-run/react';
import { updatePolicyInput } from '@mfiq/api/shared';
import { FormAlert, TextField } from '../components/field.tsx';
import { submitForm } from '../lib/form-action.server.ts';
import { fieldProps, useApiForm } from '../lib/forms.ts';
import { callApi } from '../trpc.server.ts';
import type { OrgData } from './orgs.$slug.tsx';
import lifecycleStyles from '../styles/lifecycle.css?url';
import { stylesheets } from '../styles/links.ts';

export const links = stylesheets(lifecycleStyles);

export const meta: MetaFunction = () => [{ title: 'Security policy · Metric Flow IQ' }];

export async function loader(args: LoaderFunctionArgs) {
  const slug = args.params.slug ?? '';
  return callApi(args, (caller) => caller.security.getPolicy({ slug }));
}

/** An unticked box is not posted and an empty limit means the default: the form says so. */
const policyForm = updatePolicyInput.extend({
  requireTwoFactor: updatePolicyInput.shape.requireTwoFactor.default(false),
  sessionIdleMinutes: updatePolicyInput.shape.sessionIdleMinutes.default(null),
  sessionAbsoluteHours: updatePolicyInput.shape.sessionAbsoluteHours.default(null),
});

export async function action(args: ActionFunctionArgs) {
  const slug = args.params.slug ?? '';
  const outcome = await submitForm(args, policyForm, (value, api) => api.security.updatePolicy({ slug, ...value }));
  return outcome.ok
    ? { saved: true, reply: outcome.reply }
    : data({ saved: false, reply: outcome.reply }, { status: 400 });
}

export default function SecurityPolicy() {
  const policy = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  const [form, fields] = useApiForm(policyForm, { id: 'security-policy', lastResult: result?.reply });
  const org = useRouteLoaderData<OrgData>('routes/orgs.$slug');
  return (
    <>
      <section className="panel" aria-labelledby="policy-title">
        <h2 id="policy-title" className="panel__title">
          Security policy
        </h2>
        <p className="muted">
          Applies to every member from their next request. Limits can only be stricter than the defaults (2 hours idle,
          7 days in total).
        </p>
        {result?.saved ? <FormAlert tone="success">Policy saved.</FormAlert> : null}
        {form.errors?.length ? <FormAlert>{form.errors.join(' ')}</FormAlert> : null}
        <Form method="post" className="form form--wide" id={form.id} onSubmit={form.onSubmit} noValidate>
          <div className="field">
            <label className="checkbox">
              <input type="checkbox" name="requireTwoFactor" defaultChecked={policy.requireTwoFactor} /> Require
              two-factor authentication for all members
            </label>
          </div>
          <TextField
            {...fieldProps(fields.sessionIdleMinutes)}
            defaultValue={fields.sessionIdleMinutes.initialValue ?? policy.sessionIdleMinutes ?? ''}
            label="Sign out after this many idle minutes (5-120, empty: default)"
            inputMode="numeric"
          />
          <TextField
            {...fieldProps(fields.sessionAbsoluteHours)}
            defaultValue={fields.sessionAbsoluteHours.initialValue ?? policy.sessionAbsoluteHours ?? ''}
            label="Sign in again after this many hours (1-168, empty: default)"
            inputMode="numeric"
          />
          <div className="form__actions">
            <button type="submit" className="button" disabled={busy}>
              Save policy
            </button>
          </div>
        </Form>
      </section>
      {org?.permissions.includes('evidence:export') ? <EvidencePack slug={org.organization.slug} /> : null}
    </>
  );
}

/** For a procurement review: the evidence behind the /security page, for this organization. */
function EvidencePack({ slug }: { slug: string }) {
  return (
    <section className="panel" aria-labelledby="evidence-title">
      <h2 id="evidence-title" className="panel__title">
        Security evidence pack
      </h2>
      <p className="muted">One zip file for a security review of {slug}, generated now:</p>
      <ul className="evidence-list">
        <li>row-level security of every table that holds organization data, and the database roles</li>
        <li>your audit log&apos;s hash chain, verified now, with its last signed checkpoint</li>
        <li>the last restore drill of your backups</li>
        <li>your security and retention settings</li>
        <li>
          every statement of the <Link to="/security">security page</Link>, the test that proves it and its last result
        </li>
      </ul>
      <Form method="post" action={`/orgs/${slug}/security/evidence`} reloadDocument>
        <button type="submit" className="button button--quiet">
          Download the evidence pack
        </button>
      </Form>
    </section>
  );
}
