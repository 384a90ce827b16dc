import { getFormProps, type SubmissionResult } from '@conform-to/react';
import { Form } from '@remix-run/react';
import { useApiForm } from '../../lib/forms.ts';
import { FormAlert, TextField } from '../field.tsx';
import { noteForm } from './forms.ts';

interface Note {
  id: string;
  date: string;
  body: string;
  createdBy: string | null;
}

/**
 * Dated notes ("pricing change") on a dashboard or a metric: they show as markers on the charts
 * covering their date. Editors add and delete them; everyone sees them.
 */
export function NotesPanel({
  notes,
  on,
  canEdit,
  lastResult,
  busy,
  today,
}: {
  notes: Note[];
  /** What the notes are on: the hidden field the form sends. */
  on: { metricKey: string } | { dashboardId: string };
  canEdit: boolean;
  lastResult: SubmissionResult<string[]> | undefined;
  busy: boolean;
  today: string;
}) {
  const [form, fields] = useApiForm(noteForm, { id: 'note-add', lastResult });
  const [onName, onValue] = 'metricKey' in on ? ['metricKey', on.metricKey] : ['dashboardId', on.dashboardId];
  return (
    <section className="panel" aria-labelledby="notes-title" data-testid="notes-panel">
      <h2 id="notes-title" className="panel__title">
        Notes
      </h2>
      {notes.length ? (
        <ul className="notes-list">
          {notes.map((n) => (
            <li key={n.id}>
              <span>
                <strong>{n.date}</strong> {n.body}
                {n.createdBy ? <span className="muted"> · {n.createdBy}</span> : null}
              </span>
              {canEdit ? (
                <Form method="post" preventScrollReset>
                  <input type="hidden" name="noteId" value={n.id} />
                  <button
                    type="submit"
                    name="intent"
                    value="note-delete"
                    className="icon-button icon-button--danger"
                    disabled={busy}
                    aria-label={`Delete the note of ${n.date}`}
                    title="Delete note"
                  >
                    ×
                  </button>
                </Form>
              ) : null}
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">No notes yet. A note marks a date on the charts, such as a price change or a campaign.</p>
      )}
      {canEdit ? (
        <Form method="post" className="form" {...getFormProps(form)} preventScrollReset>
          <input type="hidden" name={onName} value={onValue} />
          {form.errors?.length ? <FormAlert>{form.errors.join(' ')}</FormAlert> : null}
          <TextField
            id="note-date"
            name={fields.date.name}
            label="Date"
            type="date"
            defaultValue={today}
            errors={fields.date.errors}
          />
          <TextField
            id="note-body"
            name={fields.body.name}
            label="Note"
            maxLength={280}
            placeholder="Pricing change"
            errors={fields.body.errors}
          />
          <div className="form__actions">
            <button type="submit" name="intent" value="note-add" className="button button--quiet" disabled={busy}>
              Add note
            </button>
          </div>
        </Form>
      ) : null}
    </section>
  );
}
