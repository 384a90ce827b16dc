import type { SubmissionResult } from '@conform-to/react';
import { Form, Link, useNavigation } from '@remix-run/react';
import type { RouterOutputs } from '@mfiq/api';
import { FormAlert, SelectField } from '../field.tsx';
import { notificationSettingsForm } from '../../lib/alert-forms.ts';
import { fieldProps, useApiForm } from '../../lib/forms.ts';
import { when } from './explanation.tsx';

type Settings = RouterOutputs['notifications']['settings'];

const DONE = { saved: 'Your notification settings are saved.', unmuted: 'You hear from that rule again.' } as const;

/** One organization's block on /account/notifications: alert mail, the digest and the rules muted there. */
export function OrganizationNotifications({
  slug,
  name,
  settings,
  result,
}: {
  slug: string;
  name: string;
  settings: Settings;
  result: { done: keyof typeof DONE | null; reply: SubmissionResult<string[]> } | null;
}) {
  const formId = `notify-${slug}`;
  const [form, fields] = useApiForm(notificationSettingsForm, {
    id: formId,
    lastResult: result?.reply.initialValue?.intent === 'unmute' ? null : result?.reply,
  });
  const busy = useNavigation().state !== 'idle';
  const digestMetrics = [
    ...settings.owned,
    ...settings.following.filter((f) => !settings.owned.some((o) => o.key === f.key)),
  ];
  const unmuteErrors = result?.reply.initialValue?.intent === 'unmute' ? result.reply.error : null;
  return (
    <section className="panel" id={`org-${slug}`} aria-labelledby={`${formId}-title`} data-testid="org-notifications">
      <div className="alerts__head">
        <h2 id={`${formId}-title`} className="panel__title">
          {name}
        </h2>
        <Link to={`/orgs/${slug}/alerts/rules`} className="button button--quiet">
          Alert rules of {name}
        </Link>
      </div>
      {result?.done ? <FormAlert tone="success">{DONE[result.done]}</FormAlert> : null}
      {unmuteErrors ? <FormAlert>{Object.values(unmuteErrors).flat().filter(Boolean).join(' ')}</FormAlert> : null}
      <Form method="post" id={form.id} onSubmit={form.onSubmit} noValidate className="form form--wide">
        <input type="hidden" name={fields.slug.name} value={slug} />
        {form.errors?.length ? <FormAlert>{form.errors.join(' ')}</FormAlert> : null}
        <label className="checkbox">
          <input type="checkbox" name={fields.emailAlerts.name} defaultChecked={settings.emailAlerts} /> Email me my
          alerts from {name} as they fire
        </label>
        <SelectField
          {...fieldProps(fields.digest)}
          id={`${formId}-digest`}
          defaultValue={fields.digest.initialValue ?? settings.digest}
          label="Digest"
          hint="Your metrics against their targets and the period's alerts, at the organization's morning."
          options={[
            { value: 'off', label: 'No digest' },
            { value: 'daily', label: 'Daily' },
            { value: 'weekly', label: 'Weekly' },
          ]}
        />
        <p className="muted" data-testid="digest-metrics">
          {digestMetrics.length
            ? `The digest covers ${digestMetrics.map((m) => m.name).join(', ')}.`
            : 'The digest covers the metrics you own or follow; you have none yet.'}
        </p>
        <div className="form__actions">
          <button type="submit" name="intent" value="settings" className="button" disabled={busy}>
            Save settings for {name}
          </button>
        </div>
      </Form>
      <h3 className="notify__subtitle">Rules you muted</h3>
      {settings.mutes.length === 0 ? (
        <p className="muted" data-testid="no-mutes">
          None. Mute or snooze a rule from its alerts when you do not want to hear from it.
        </p>
      ) : (
        <table className="table" data-testid="mutes">
          <thead>
            <tr>
              <th scope="col">Rule</th>
              <th scope="col">Metric</th>
              <th scope="col">Muted</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {settings.mutes.map((m) => (
              <tr key={m.ruleId} data-testid="mute-row">
                <td>
                  <Link to={`/orgs/${slug}/alerts/${m.ruleId}`}>{m.ruleName}</Link>
                </td>
                <td>{m.metricName}</td>
                <td>{m.until ? `Snoozed until ${when(m.until)}` : 'Until you unmute it'}</td>
                <td>
                  <Form method="post" className="inline-form">
                    <input type="hidden" name="slug" value={slug} />
                    <input type="hidden" name="ruleId" value={m.ruleId} />
                    <button
                      type="submit"
                      name="intent"
                      value="unmute"
                      className="button button--quiet"
                      disabled={busy}
                      aria-label={`Unmute ${m.ruleName}`}
                    >
                      Unmute
                    </button>
                  </Form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {settings.mutedCount > settings.mutes.length ? (
        <p className="muted">
          And {settings.mutedCount - settings.mutes.length} more muted rules, listed on the{' '}
          <Link to={`/orgs/${slug}/alerts/rules`}>rules page</Link>.
        </p>
      ) : null}
    </section>
  );
}
