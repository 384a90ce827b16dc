import type { RouterOutputs } from '@mfiq/api';

type AlertEvent = RouterOutputs['alerts']['get']['events'][number];

/** Times on alert pages: the same clock for everyone, whatever the browser's zone. */
export const when = (d: string | Date) =>
  new Date(d).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }) + ' UTC';

const STATE_LABEL = { firing: 'Firing', acknowledged: 'Acknowledged', resolved: 'Resolved' } as const;

export function AlertState({ state }: { state: AlertEvent['state'] }) {
  return <span className={`alert-state alert-state--${state}`}>{STATE_LABEL[state]}</span>;
}

/**
 * What an alert says about itself, as it was written when it fired: the rule (in its words of that
 * moment), the period, the value and what it was compared with. Inbox and detail page show the same.
 */
export function Explanation({ event, showRule = true }: { event: Omit<AlertEvent, 'deliveries'>; showRule?: boolean }) {
  const x = event.explanation;
  return (
    <dl className="explain">
      {showRule ? (
        <div>
          <dt>Rule</dt>
          <dd>
            {x.rule.name} <span className="muted">({x.rule.condition})</span>
          </dd>
        </div>
      ) : null}
      <div>
        <dt>Period</dt>
        <dd>{x.period ? `${x.period.label}${x.period.partial ? ' (so far)' : ''}` : 'No period'}</dd>
      </div>
      <div>
        <dt>Value</dt>
        <dd data-testid="alert-value">{x.valueText}</dd>
      </div>
      {x.comparedWith ? (
        <div>
          <dt>{x.comparedWith.label}</dt>
          <dd data-testid="alert-compared">{x.comparedWith.text}</dd>
        </div>
      ) : null}
      {x.band ? (
        <div>
          <dt>Window</dt>
          <dd>{x.band.periods} periods with data</dd>
        </div>
      ) : null}
      <div>
        <dt>Fired</dt>
        <dd>{when(event.firedAt)}</dd>
      </div>
    </dl>
  );
}
