import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { retentionInput } from '@mfiq/api/shared';
import { FormAlert, TextField } from '../components/field.tsx';
import { submitForm } from '../lib/form-action.server.ts';
import { fieldProps, useApiForm } from '../lib/forms.ts';
import { historyHref } from '../lib/history.ts';
import { callApi } from '../trpc.server.ts';

export const meta: MetaFunction = () => [{ title: 'Retention · Metric Flow IQ' }];

/** Owners only (retention:manage): others get the API's 403, members of other organizations a 404. */
export async function loader(args: LoaderFunctionArgs) {
  const slug = args.params.slug ?? '';
  return { slug, settings: await callApi(args, (caller) => caller.retention.get({ slug })) };
}

/** An empty box means "no limit" (data) or "the service default" (backups). */
const retentionForm = retentionInput.extend({
  dataRetentionDays: retentionInput.shape.dataRetentionDays.default(null),
  backupKeepDaily: retentionInput.shape.backupKeepDaily.default(null),
  backupKeepWeekly: retentionInput.shape.backupKeepWeekly.default(null),
});

export async function action(args: ActionFunctionArgs) {
  const slug = args.params.slug ?? '';
  const outcome = await submitForm(args, retentionForm, (value, api) => api.retention.update({ slug, ...value }));
  return outcome.ok
    ? { saved: true as const, settings: outcome.value, reply: outcome.reply }
    : data({ saved: false as const, settings: null, reply: outcome.reply }, { status: 400 });
}

export default function Retention() {
  const { slug, settings: loaded } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  const s = result?.settings ?? loaded;
  const [form, fields] = useApiForm(retentionForm, { id: 'retention', lastResult: result?.reply });
  return (
    <section className="panel" aria-labelledby="retention-title">
      <p className="history-link">
        <Link to={`/orgs/${slug}/settings`}>← Settings</Link> ·{' '}
        <Link to={historyHref(slug, { type: 'organization' })}>History of these settings</Link>
      </p>
      <h2 id="retention-title" className="panel__title">
        Retention
      </h2>
      <p className="muted">
        How long your organization keeps its history, its data and its backups. Anything older is deleted every night.
        Each change is recorded in the audit log.
      </p>
      {result?.saved && !busy ? <FormAlert tone="success">Retention saved.</FormAlert> : null}
      {form.errors?.length ? <FormAlert>{form.errors.join(' ')}</FormAlert> : null}
      <Form
        method="post"
        className="form form--wide"
        id={form.id}
        onSubmit={form.onSubmit}
        noValidate
        key={JSON.stringify(s)}
      >
        <TextField
          {...fieldProps(fields.auditRetentionDays)}
          label="Keep the audit log for (days)"
          inputMode="numeric"
          required
          defaultValue={fields.auditRetentionDays.initialValue ?? s.auditRetentionDays}
          hint={`${s.bounds.audit.min} to ${s.bounds.audit.max} days. Older events are removed; a signed checkpoint keeps the rest verifiable.`}
        />
        <TextField
          {...fieldProps(fields.dataRetentionDays)}
          label="Keep data points for (days)"
          inputMode="numeric"
          defaultValue={fields.dataRetentionDays.initialValue ?? s.dataRetentionDays ?? ''}
          hint={`Empty: kept until you delete them. Otherwise ${s.bounds.data.min} to ${s.bounds.data.max} days, counted from each point's date.`}
        />
        <TextField
          {...fieldProps(fields.backupKeepDaily)}
          label="Daily backups to keep"
          inputMode="numeric"
          defaultValue={fields.backupKeepDaily.initialValue ?? s.backupKeepDaily ?? ''}
          hint={`Empty: the service default (${s.defaults.backupKeepDaily}). At most ${s.bounds.backupDaily.max}.`}
        />
        <TextField
          {...fieldProps(fields.backupKeepWeekly)}
          label="Weekly backups to keep"
          inputMode="numeric"
          defaultValue={fields.backupKeepWeekly.initialValue ?? s.backupKeepWeekly ?? ''}
          hint={`Empty: the service default (${s.defaults.backupKeepWeekly}). At most ${s.bounds.backupWeekly.max}.`}
        />
        <div className="form__actions">
          <button type="submit" className="button" disabled={busy}>
            {busy ? 'Saving…' : 'Save retention'}
          </button>
        </div>
      </Form>
    </section>
  );
}
