import type { SubmissionResult } from '@conform-to/react';
import { Form, useNavigation } from '@remix-run/react';
import { channelInput } from '@mfiq/api/shared';
import type { RouterOutputs } from '@mfiq/api';
import { FormAlert, SelectField, TextField } from '../field.tsx';
import { fieldProps, useApiForm } from '../../lib/forms.ts';

type Channel = RouterOutputs['alerts']['channels'][number];

/**
 * Webhook channels. The URL is shown masked; the signing secret only once, in the answer to the
 * request that created or rotated it (it is stored sealed and never read back to a page).
 */
export function ChannelsSection({
  channels,
  lastResult,
  secret,
}: {
  channels: Channel[];
  lastResult: SubmissionResult<string[]> | null;
  secret: { channel: string; value: string } | null;
}) {
  const [form, fields] = useApiForm(channelInput, { id: 'channel-form', lastResult });
  const navigation = useNavigation();
  const busy = navigation.state !== 'idle';
  return (
    <section className="panel" aria-labelledby="channels-title">
      <h2 id="channels-title" className="panel__title">
        Webhook channels
      </h2>
      <p className="muted">
        Rules can post their alerts to a URL (your own service, or a Slack incoming webhook). Each request is signed
        with HMAC-SHA256 over the timestamp and the body.
      </p>
      {secret ? (
        <FormAlert tone="success">
          Signing secret for {secret.channel || 'the channel'}, shown only now:{' '}
          <code className="secret" data-testid="channel-secret">
            {secret.value}
          </code>
        </FormAlert>
      ) : null}
      {channels.length ? (
        <ul className="channels" data-testid="channels">
          {channels.map((c) => (
            <li key={c.id} className="channels__item">
              <div>
                <strong>{c.name}</strong> <span className="muted">{c.format === 'slack' ? 'Slack' : 'JSON'}</span>
                <br />
                <code>{c.urlDisplay}</code>{' '}
                <span className="muted">
                  secret {c.secretPrefix}… · {c.rules} {c.rules === 1 ? 'rule' : 'rules'}
                  {c.disabled ? ' · disabled' : ''}
                </span>
              </div>
              <Form method="post" className="channels__actions">
                <input type="hidden" name="id" value={c.id} />
                <input type="hidden" name="name" value={c.name} />
                <button
                  type="submit"
                  name="intent"
                  value="rotate-secret"
                  className="button button--quiet"
                  disabled={busy}
                  aria-label={`New signing secret for ${c.name}`}
                >
                  New secret
                </button>
                <button
                  type="submit"
                  name="intent"
                  value={c.disabled ? 'enable-channel' : 'disable-channel'}
                  className="button button--quiet"
                  disabled={busy}
                  aria-label={`${c.disabled ? 'Enable' : 'Disable'} ${c.name}`}
                >
                  {c.disabled ? 'Enable' : 'Disable'}
                </button>
                <button
                  type="submit"
                  name="intent"
                  value="delete-channel"
                  className="button button--quiet button--danger"
                  disabled={busy}
                  aria-label={`Delete ${c.name}`}
                >
                  Delete
                </button>
              </Form>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">No channels yet.</p>
      )}
      <Form method="post" id={form.id} onSubmit={form.onSubmit} noValidate className="form form--wide">
        <h3 className="rule-preview__title">Add a channel</h3>
        {form.errors?.length ? <FormAlert>{form.errors.join(' ')}</FormAlert> : null}
        <div className="rule-editor__row">
          <TextField {...fieldProps(fields.name)} id="channel-name" label="Channel name" maxLength={100} required />
          <TextField
            {...fieldProps(fields.url)}
            id="channel-url"
            type="url"
            label="URL"
            placeholder="https://"
            maxLength={2000}
            required
          />
          <SelectField
            {...fieldProps(fields.format)}
            label="Payload"
            options={[
              { value: 'json', label: 'Signed JSON' },
              { value: 'slack', label: 'Slack-compatible' },
            ]}
          />
        </div>
        <div className="form__actions">
          <button type="submit" name="intent" value="create-channel" className="button" disabled={busy}>
            Add channel
          </button>
        </div>
      </Form>
    </section>
  );
}
