import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { FormAlert, TextField } from '../components/field.tsx';
import { historyHref } from '../lib/history.ts';
import { callApi, formErrors, serverApi, toResponse } from '../trpc.server.ts';

export const meta: MetaFunction = () => [{ title: 'Retention · Metric Flow IQ' }];

/** Owners only (retention:manage): others get the API's 403, members of other organizations a 404. */
export async function loader(args: LoaderFunctionArgs) {
  const slug = args.params.slug ?? '';
  return { slug, settings: await callApi(args, (caller) => caller.retention.get({ slug })) };
}

/** An empty box means "no limit" (data) or "the service default" (backups); anything else must be a number. */
const days = (v: FormDataEntryValue | null, empty: null | number) =>
  v === null || String(v).trim() === '' ? empty : /^\d{1,6}$/.test(String(v).trim()) ? Number(v) : Number.NaN;

export async function action(args: ActionFunctionArgs) {
  const slug = args.params.slug ?? '';
  const form = await args.request.formData();
  const { caller } = await serverApi(args);
  try {
    const settings = await caller.retention.update({
      slug,
      auditRetentionDays: days(form.get('auditRetentionDays'), Number.NaN) as number,
      dataRetentionDays: days(form.get('dataRetentionDays'), null),
      backupKeepDaily: days(form.get('backupKeepDaily'), null),
      backupKeepWeekly: days(form.get('backupKeepWeekly'), null),
    });
    return { saved: true as const, settings, formError: null, fieldErrors: {} as Record<string, string[]> };
  } catch (error) {
    const errors = formErrors(error);
    if (!errors) throw toResponse(error, args.request);
    return data({ saved: false as const, settings: null, ...errors }, { status: 400 });
  }
}

export default function Retention() {
  const { slug, settings: loaded } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  const s = result?.settings ?? loaded;
  const fe = result?.fieldErrors ?? {};
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
      {result?.formError ? <FormAlert>{result.formError}</FormAlert> : null}
      <Form method="post" className="form form--wide" noValidate key={JSON.stringify(s)}>
        <TextField
          name="auditRetentionDays"
          label="Keep the audit log for (days)"
          inputMode="numeric"
          required
          defaultValue={s.auditRetentionDays}
          hint={`${s.bounds.audit.min} to ${s.bounds.audit.max} days. Older events are removed; a signed checkpoint keeps the rest verifiable.`}
          errors={fe.auditRetentionDays}
        />
        <TextField
          name="dataRetentionDays"
          label="Keep data points for (days)"
          inputMode="numeric"
          defaultValue={s.dataRetentionDays ?? ''}
          hint={`Empty: kept until you delete them. Otherwise ${s.bounds.data.min} to ${s.bounds.data.max} days, counted from each point's date.`}
          errors={fe.dataRetentionDays}
        />
        <TextField
          name="backupKeepDaily"
          label="Daily backups to keep"
          inputMode="numeric"
          defaultValue={s.backupKeepDaily ?? ''}
          hint={`Empty: the service default (${s.defaults.backupKeepDaily}). At most ${s.bounds.backupDaily.max}.`}
          errors={fe.backupKeepDaily}
        />
        <TextField
          name="backupKeepWeekly"
          label="Weekly backups to keep"
          inputMode="numeric"
          defaultValue={s.backupKeepWeekly ?? ''}
          hint={`Empty: the service default (${s.defaults.backupKeepWeekly}). At most ${s.bounds.backupWeekly.max}.`}
          errors={fe.backupKeepWeekly}
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
