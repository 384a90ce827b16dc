import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { FormAlert, TextField } from '../components/field.tsx';
import { callApi, formErrors, serverApi, toResponse } from '../trpc.server.ts';

export const meta: MetaFunction = () => [{ title: 'Security policy · Metric Flow IQ' }];

export async function loader(args: LoaderFunctionArgs) {
  const slug = args.params.slug ?? '';
  return callApi(args, (caller) => caller.security.getPolicy({ slug }));
}

const optionalInt = (v: FormDataEntryValue | null) =>
  v === null || v === '' ? null : /^\d{1,6}$/.test(String(v)) ? Number(v) : Number.NaN;

export async function action(args: ActionFunctionArgs) {
  const form = await args.request.formData();
  const { caller } = await serverApi(args);
  try {
    const policy = await caller.security.updatePolicy({
      slug: args.params.slug ?? '',
      requireTwoFactor: form.get('requireTwoFactor') === 'on',
      sessionIdleMinutes: optionalInt(form.get('sessionIdleMinutes')),
      sessionAbsoluteHours: optionalInt(form.get('sessionAbsoluteHours')),
    });
    return { saved: true, policy, formError: null, fieldErrors: {} as Record<string, string[]> };
  } catch (error) {
    const errors = formErrors(error);
    if (!errors) throw toResponse(error, args.request);
    return data({ saved: false, policy: null, ...errors }, { status: 400 });
  }
}

export default function SecurityPolicy() {
  const policy = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  const fe = result?.fieldErrors ?? {};
  return (
    <section className="panel" aria-labelledby="policy-title">
      <h2 id="policy-title" className="panel__title">
        Security policy
      </h2>
      <p className="muted">
        Applies to every member from their next request. Limits can only be stricter than the defaults (2 hours idle, 7
        days in total).
      </p>
      {result?.saved ? <FormAlert tone="success">Policy saved.</FormAlert> : null}
      {result?.formError ? <FormAlert>{result.formError}</FormAlert> : null}
      <Form method="post" className="form form--wide" noValidate>
        <div className="field">
          <label className="checkbox">
            <input type="checkbox" name="requireTwoFactor" defaultChecked={policy.requireTwoFactor} /> Require
            two-factor authentication for all members
          </label>
        </div>
        <TextField
          name="sessionIdleMinutes"
          label="Sign out after this many idle minutes (5-120, empty: default)"
          inputMode="numeric"
          defaultValue={policy.sessionIdleMinutes ?? ''}
          errors={fe.sessionIdleMinutes}
        />
        <TextField
          name="sessionAbsoluteHours"
          label="Sign in again after this many hours (1-168, empty: default)"
          inputMode="numeric"
          defaultValue={policy.sessionAbsoluteHours ?? ''}
          errors={fe.sessionAbsoluteHours}
        />
        <div className="form__actions">
          <button type="submit" className="button" disabled={busy}>
            Save policy
          </button>
        </div>
      </Form>
    </section>
  );
}
