import { Form, Link, useNavigation } from '@remix-run/react';
import { GRAIN_LABELS } from '@mfiq/api/shared';
import type { RouterOutputs } from '@mfiq/api';
import { when } from './explanation.tsx';

type Rule = RouterOutputs['alerts']['list'][number];

const KIND_LABEL = {
  threshold: 'Threshold',
  change: 'Change',
  stale: 'Stale data',
  pace: 'Target pace',
  anomaly: 'Anomaly',
} as const;

/** The organization's rules; people who manage alerts get edit, pause/resume and delete on each. */
export function RulesTable({ slug, rules, canManage }: { slug: string; rules: Rule[]; canManage: boolean }) {
  const navigation = useNavigation();
  const busy = navigation.state !== 'idle';
  if (rules.length === 0)
    return (
      <p className="muted" data-testid="no-rules">
        No rules yet.{canManage ? ' Create the first one below.' : ''}
      </p>
    );
  return (
    <div className="rules-table__scroll">
      <table className="rules-table" data-testid="rules">
        <thead>
          <tr>
            <th scope="col">Rule</th>
            <th scope="col">Metric</th>
            <th scope="col">Condition</th>
            <th scope="col">Status</th>
            <th scope="col">Last fired</th>
            {canManage ? (
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {rules.map((r) => (
            <tr key={r.id} data-testid="rule-row">
              <th scope="row">
                <Link to={`/orgs/${slug}/alerts/${r.id}`}>{r.name}</Link>
                <span className="rules__kind">{KIND_LABEL[r.kind]}</span>
              </th>
              <td>
                <Link to={`/orgs/${slug}/metrics/${r.metricKey}`}>{r.metricName}</Link>
                <span className="muted rules__grain"> · {GRAIN_LABELS[r.grain]}</span>
              </td>
              <td>{r.conditionText}</td>
              <td>
                <span className={`alert-state alert-state--${r.paused ? 'paused' : r.openEvents ? 'firing' : 'ok'}`}>
                  {r.paused ? 'Paused' : r.openEvents ? `${r.openEvents} open` : 'Watching'}
                </span>
                {r.myMute ? (
                  <span className="muted rules__mute">
                    {r.myMute.until ? ` Snoozed for you until ${when(r.myMute.until)}` : ' Muted for you'}
                  </span>
                ) : null}
              </td>
              <td>{r.lastFiredAt ? when(r.lastFiredAt) : <span className="muted">Never</span>}</td>
              {canManage ? (
                <td className="rules-table__action">
                  <div className="rules__actions">
                    <Link
                      to={`?edit=${r.id}#rule-editor`}
                      className="button button--quiet"
                      aria-label={`Edit ${r.name}`}
                    >
                      Edit
                    </Link>
                    <Form method="post">
                      <input type="hidden" name="id" value={r.id} />
                      <button
                        type="submit"
                        name="intent"
                        value={r.paused ? 'resume' : 'pause'}
                        className="button button--quiet"
                        disabled={busy}
                        aria-label={`${r.paused ? 'Resume' : 'Pause'} ${r.name}`}
                      >
                        {r.paused ? 'Resume' : 'Pause'}
                      </button>
                    </Form>
                    <Form
                      method="post"
                      onSubmit={(e) => {
                        if (!confirm(`Delete the rule "${r.name}" and its alert history?`)) e.preventDefault();
                      }}
                    >
                      <input type="hidden" name="id" value={r.id} />
                      <button
                        type="submit"
                        name="intent"
                        value="delete-rule"
                        className="button button--quiet button--danger"
                        disabled={busy}
                        aria-label={`Delete ${r.name}`}
                      >
                        Delete
                      </button>
                    </Form>
                  </div>
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
