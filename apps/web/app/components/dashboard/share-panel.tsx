import { getFormProps, type SubmissionResult } from '@conform-to/react';
import type { RouterOutputs } from '@mfiq/api';
import { Form } from '@remix-run/react';
import { useApiForm } from '../../lib/forms.ts';
import { FormAlert, TextAreaField, TextField } from '../field.tsx';
import { shareForm } from './forms.ts';

type ShareLink = RouterOutputs['shares']['list'][number];

const STATUS = { live: 'Live', expired: 'Expired', revoked: 'Revoked' } as const;
const when = (d: Date | null) => (d ? new Date(d).toISOString().slice(0, 16).replace('T', ' ') + ' UTC' : 'never');

/**
 * Read-only links to this dashboard: who can see it without an account, for how long, from which
 * sites it may be embedded, and how often it was opened. A link's address is shown once, when it
 * is created or replaced; only its hash is kept.
 */
export function SharePanel({
  links,
  fresh,
  lastResult,
  busy,
}: {
  links: ShareLink[];
  /** The address of a link just created or replaced (shown this once). */
  fresh: { url: string; label: string } | null;
  lastResult: SubmissionResult<string[]> | undefined;
  busy: boolean;
}) {
  const [form, fields] = useApiForm(shareForm, { id: 'share-create', lastResult });
  return (
    <section className="panel" aria-labelledby="share-title" data-testid="share-panel">
      <h2 id="share-title" className="panel__title">
        Share links and TV
      </h2>
      {fresh ? (
        <FormAlert tone="success">
          <span>
            Link for “{fresh.label}” (copy it now, it is shown once):
            <code className="share-token" data-testid="share-url">
              {fresh.url}
            </code>
            For a TV, open it with <code>?tv=1</code> at the end.
          </span>
        </FormAlert>
      ) : null}
      {links.length ? (
        <ul className="share-links">
          {links.map((l) => (
            <li key={l.id} data-testid="share-link">
              <div>
                <strong>{l.label}</strong> <span className={`badge badge--${l.status}`}>{STATUS[l.status]}</span>
                <p className="muted">
                  {l.prefix}… · {l.viewCount} view{l.viewCount === 1 ? '' : 's'} · last {when(l.lastViewedAt)} · expires{' '}
                  {when(l.expiresAt)}
                  {l.embedOrigins.length ? ` · embeddable on ${l.embedOrigins.join(', ')}` : ''}
                </p>
              </div>
              {l.status !== 'revoked' ? (
                <div className="share-links__actions">
                  <Form method="post" preventScrollReset>
                    <input type="hidden" name="linkId" value={l.id} />
                    <button
                      type="submit"
                      name="intent"
                      value="share-rotate"
                      className="button button--quiet"
                      disabled={busy}
                      aria-label={`Replace the address of ${l.label}`}
                    >
                      New address
                    </button>
                  </Form>
                  <Form method="post" preventScrollReset>
                    <input type="hidden" name="linkId" value={l.id} />
                    <button
                      type="submit"
                      name="intent"
                      value="share-revoke"
                      className="button button--danger"
                      disabled={busy}
                      aria-label={`Revoke ${l.label}`}
                    >
                      Revoke
                    </button>
                  </Form>
                </div>
              ) : null}
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">Nobody outside the organization can see this dashboard.</p>
      )}
      <Form method="post" className="form" {...getFormProps(form)} preventScrollReset>
        {form.errors?.length ? <FormAlert>{form.errors.join(' ')}</FormAlert> : null}
        <TextField
          id="share-label"
          name={fields.label.name}
          label="Label"
          maxLength={100}
          placeholder="Office TV"
          errors={fields.label.errors}
        />
        <TextField
          id="share-expires"
          name={fields.expiresOn.name}
          label="Last day (optional)"
          type="date"
          errors={fields.expiresOn.errors}
          hint="Empty: until revoked."
        />
        <TextAreaField
          id="share-origins"
          name={fields.embedOrigins.name}
          label="Sites that may embed it (optional)"
          rows={2}
          placeholder="https://intranet.example.com"
          errors={Object.entries(form.allErrors)
            .filter(([k]) => k.startsWith(fields.embedOrigins.name))
            .flatMap(([, e]) => e)}
          hint="One https origin per line. Every other site is refused."
        />
        <div className="form__actions">
          <button type="submit" name="intent" value="share-create" className="button" disabled={busy}>
            Create link
          </button>
        </div>
      </Form>
    </section>
  );
}
