import type { SubmissionResult } from '@conform-to/react';
import { Form, useNavigation } from '@remix-run/react';
import type { RouterOutputs } from '@mfiq/api';
import { FormAlert, SelectField } from '../field.tsx';
import { settingsForm } from '../../lib/alert-forms.ts';
import { fieldProps, useApiForm } from '../../lib/forms.ts';

type Settings = RouterOutputs['notifications']['settings'];

/** The signed-in member's own settings in this organization: alert mail and the digest. */
export function SettingsSection({
  settings,
  lastResult,
}: {
  settings: Settings;
  lastResult: SubmissionResult<string[]> | null;
}) {
  const [form, fields] = useApiForm(settingsForm, { id: 'settings-form', lastResult });
  const navigation = useNavigation();
  const busy = navigation.state !== 'idle';
  const digestMetrics = [
    ...settings.owned,
    ...settings.following.filter((f) => !settings.owned.some((o) => o.key === f.key)),
  ];
  return (
    <section className="panel" aria-labelledby="notify-title">
      <h2 id="notify-title" className="panel__title">
        Your notifications
      </h2>
      <Form method="post" id={form.id} onSubmit={form.onSubmit} noValidate className="form">
        {form.errors?.length ? <FormAlert>{form.errors.join(' ')}</FormAlert> : null}
        <label className="checkbox">
          <input type="checkbox" name={fields.emailAlerts.name} defaultChecked={settings.emailAlerts} /> Email me my
          alerts as they fire
        </label>
        <SelectField
          {...fieldProps(fields.digest)}
          defaultValue={fields.digest.initialValue ?? settings.digest}
          label="Digest"
          hint="Your metrics against their targets and the period's alerts, at your organization's morning."
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
            Save my settings
          </button>
        </div>
      </Form>
    </section>
  );
}
