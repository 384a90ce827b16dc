import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation, useRouteLoaderData } from '@remix-run/react';
import { useEffect } from 'react';
import { z } from 'zod';
import { acknowledgeInput, GRAIN_LABELS } from '@mfiq/api/shared';
import type { RouterOutputs } from '@mfiq/api';
import { AlertState, Explanation, when } from '../components/alerts/explanation.tsx';
import { FormAlert } from '../components/field.tsx';
import { trpc } from '../trpc.ts';
import { submitForm } from '../lib/form-action.server.ts';
import { callApi } from '../trpc.server.ts';
import type { OrgData } from './orgs.$slug.tsx';

type Detail = RouterOutputs['alerts']['get'];
type AlertEvent = Detail['events'][number];
type Delivery = AlertEvent['deliveries'][number];

export const meta: MetaFunction<typeof loader> = ({ data: detail, matches }) => {
  const org = matches.find((m) => m.id === 'routes/orgs.$slug')?.data as OrgData | undefined;
  const name = detail?.rule.name ?? 'Alert';
  return [{ title: org ? `${name} · Alerts · ${org.organization.name} · Metric Flow IQ` : `${name} · Metric Flow IQ` }];
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A rule's page: the rule in words and its alerts, newest first, each with its delivery log. The
 * rule is the page (not one event) because a rule fires once per period: its history reads as one
 * list, and an inbox item links to its own event on it (?event=<id>#event-<id>, listed even when
 * older than the latest ones). Another organization's rule is not found, like a made-up id.
 */
export async function loader(args: LoaderFunctionArgs) {
  const slug = args.params.slug ?? '';
  const id = args.params.id ?? '';
  if (!UUID.test(id)) throw data({ message: 'Page not found' }, { status: 404, statusText: 'Not Found' });
  // The alert an inbox item opens, shown even when it is older than the latest ones.
  const event = new URL(args.request.url).searchParams.get('event');
  return callApi(args, (api) => api.alerts.get({ slug, id, ...(event && UUID.test(event) ? { event } : {}) }));
}

type Done = 'acknowledged' | 'muted' | 'unmuted';

/** The page's buttons, told apart by `intent`; acknowledge carries the alert's id, the rule is the page's. */
const alertForm = z.discriminatedUnion('intent', [
  acknowledgeInput.extend({ intent: z.literal('acknowledge') }),
  z.object({ intent: z.enum(['mute', 'unmute']) }),
]);

/** Acknowledge is for everyone (audited); mute and unmute are the caller's own. */
export async function action(args: ActionFunctionArgs) {
  const slug = args.params.slug ?? '';
  const ruleId = args.params.id ?? '';
  const outcome = await submitForm(args, alertForm, async (v, api): Promise<Done> => {
    if (v.intent === 'acknowledge') {
      await api.alerts.acknowledge({ slug, eventId: v.eventId });
      return 'acknowledged';
    }
    if (v.intent === 'mute') await api.alerts.mute({ slug, ruleId, until: null });
    else await api.alerts.unmute({ slug, ruleId });
    return v.intent === 'mute' ? 'muted' : 'unmuted';
  });
  if (outcome.ok) return { done: outcome.value, formError: null };
  const formError =
    Object.values(outcome.reply.error ?? {})
      .flat()
      .join(' ') || 'That did not work';
  return data({ done: null, formError }, { status: outcome.apiCode === 'CONFLICT' ? 409 : 400 });
}

const DONE: Record<Done, string> = {
  acknowledged: 'Alert acknowledged.',
  muted: 'Rule muted for you: it still fires for everyone else.',
  unmuted: 'You hear from this rule again.',
};

const CHANNEL_LABEL = { in_app: 'In-app', email: 'Email', webhook: 'Webhook' } as const;

const STATUS_LABEL = {
  pending: 'Pending',
  queued: 'Queued',
  delivered: 'Delivered',
  failed: 'Failed',
  skipped: 'Not sent',
} as const;

const minutes = (n: number) =>
  n === 0 ? 'none' : n % 60 === 0 ? `${n / 60} ${n === 60 ? 'hour' : 'hours'}` : `${n} minutes`;

export default function AlertDetail() {
  const org = useRouteLoaderData<OrgData>('routes/orgs.$slug');
  const { rule, myMute, events, totalEvents } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== 'idle';
  const utils = trpc.useUtils();

  // Acknowledging here reads nothing, but the bell may count the alert: let it ask again.
  useEffect(() => {
    if (result?.done) void utils.notifications.unreadCounts.invalidate();
  }, [result, utils]);

  if (!org) return null;
  const slug = org.organization.slug;
  const canManage = org.permissions.includes('alerts:manage');
  const open = events.filter((e) => e.state !== 'resolved').length;
  const recipients = [...rule.members.map((m) => m.name), ...rule.channels.map((c) => `${c.name} (webhook)`)];
  return (
    <>
      <section className="panel" aria-labelledby="rule-title">
        <p className="alert-detail__back">
          <Link to={`/orgs/${slug}/alerts`}>← Your alerts</Link>
          <Link to={`/orgs/${slug}/alerts/rules`}>All rules</Link>
        </p>
        <div className="alerts__head">
          <div>
            <p className="eyebrow">Alert rule</p>
            <h2 id="rule-title" className="panel__title">
              {rule.name}
            </h2>
          </div>
          <div className="inbox__tools">
            <span
              className={`alert-state alert-state--${rule.paused ? 'paused' : open ? 'firing' : 'ok'}`}
              data-testid="rule-status"
            >
              {rule.paused ? 'Paused' : open ? `${open} open` : 'Watching'}
            </span>
            {canManage ? (
              <Link to={`/orgs/${slug}/alerts/rules?edit=${rule.id}#rule-editor`} className="button button--quiet">
                Edit rule
              </Link>
            ) : null}
          </div>
        </div>
        <p className="alert-detail__rule" data-testid="rule-in-words">
          {rule.condition ? (
            <>
              Fires when <Link to={`/orgs/${slug}/metrics/${rule.metricKey}`}>{rule.metricName}</Link>{' '}
              {rule.condition.kind === 'stale' ? 'has' : 'is'} {rule.conditionText}.{' '}
              <span className="muted">
                {GRAIN_LABELS[rule.grain]} periods in {org.organization.timezone}; once per period while it holds,
                resolved when it clears.
              </span>
            </>
          ) : (
            <>
              Watches <Link to={`/orgs/${slug}/metrics/${rule.metricKey}`}>{rule.metricName}</Link>, but{' '}
              {rule.conditionText}: edit it to choose a condition again.
            </>
          )}
        </p>
        {result?.done && !busy ? <FormAlert tone="success">{DONE[result.done]}</FormAlert> : null}
        {result?.formError ? <FormAlert>{result.formError}</FormAlert> : null}
        <dl className="explain">
          <div>
            <dt>Recipients</dt>
            <dd>{recipients.length ? recipients.join(', ') : 'Nobody yet'}</dd>
          </div>
          <div>
            <dt>Quiet hours</dt>
            <dd>
              {rule.quietHours
                ? `${rule.quietHours.start} to ${rule.quietHours.end} (${org.organization.timezone})`
                : 'None'}
            </dd>
          </div>
          <div>
            <dt>Cool-down</dt>
            <dd>{minutes(rule.cooldownMinutes)}</dd>
          </div>
          <div>
            <dt>Changed</dt>
            <dd>{when(rule.updatedAt)}</dd>
          </div>
        </dl>
        <Form method="post" className="inline-form">
          <span className="muted" data-testid="my-mute">
            {myMute
              ? myMute.until
                ? `Snoozed for you until ${when(myMute.until)}.`
                : 'Muted for you: you are not notified.'
              : 'You are notified when it fires, if you are a recipient.'}
          </span>
          <button
            type="submit"
            name="intent"
            value={myMute ? 'unmute' : 'mute'}
            className="button button--quiet"
            disabled={busy}
          >
            {myMute ? 'Unmute' : 'Mute for me'}
          </button>
          <Link to="/account/notifications" className="button button--quiet">
            Notification settings
          </Link>
        </Form>
      </section>
      <section className="panel" aria-labelledby="events-title">
        <h2 id="events-title" className="panel__title">
          Alerts of this rule
        </h2>
        {events.length === 0 ? (
          <p className="muted" data-testid="no-events">
            It has not fired yet. When it does, each alert is listed here with where it was delivered.
          </p>
        ) : (
          <>
            {totalEvents > events.length ? (
              <p className="muted" data-testid="events-shown">
                The latest {events.length.toLocaleString('en-US')} of {totalEvents.toLocaleString('en-US')} alerts,
                newest first.
              </p>
            ) : null}
            <ol className="inbox" data-testid="events">
              {events.map((e) => (
                <EventItem key={e.id} event={e} busy={busy} />
              ))}
            </ol>
          </>
        )}
      </section>
    </>
  );
}

function EventItem({ event, busy }: { event: AlertEvent; busy: boolean }) {
  const x = event.explanation;
  return (
    <li
      id={`event-${event.id}`}
      className="inbox__item alert-event"
      data-testid="alert-event"
      data-state={event.state}
      aria-labelledby={`event-title-${event.id}`}
    >
      <div className="inbox__head">
        <h3 id={`event-title-${event.id}`} className="inbox__title">
          {x.summary}
        </h3>
        <AlertState state={event.state} />
      </div>
      <Explanation event={event} showRule={false} />
      {!event.notified || event.acknowledgedAt || event.resolvedAt ? (
        <p className="muted alert-event__history" data-testid="event-history">
          {[
            event.notified ? null : 'Fired during the cool-down: nobody was notified.',
            event.acknowledgedAt
              ? `Acknowledged by ${event.acknowledgedBy ?? 'a former member'} ${when(event.acknowledgedAt)}.`
              : null,
            event.resolvedAt
              ? `Resolved ${when(event.resolvedAt)}${event.resolution ? `: ${event.resolution}` : '.'}`
              : null,
          ]
            .filter(Boolean)
            .join(' ')}
        </p>
      ) : null}
      <div className="inbox__actions">
        <Link to={x.link} className="button button--quiet">
          Open {x.metric.name} at {x.period?.label ?? 'this period'}
        </Link>
        {event.state === 'firing' ? (
          <Form method="post">
            <input type="hidden" name="eventId" value={event.id} />
            <button type="submit" name="intent" value="acknowledge" className="button" disabled={busy}>
              Acknowledge
            </button>
          </Form>
        ) : null}
      </div>
      <DeliveryLog deliveries={event.deliveries} eventId={event.id} />
    </li>
  );
}

/** Every delivery of one alert, including the ones not sent and why (muted, mail off, quiet hours). */
function DeliveryLog({ deliveries, eventId }: { deliveries: Delivery[]; eventId: string }) {
  if (!deliveries.length)
    return <p className="muted alert-event__log-empty">No deliveries: the rule had no recipients when it fired.</p>;
  return (
    <div className="alert-log__scroll">
      <table className="table alert-log" data-testid="delivery-log" aria-labelledby={`log-${eventId}`}>
        <caption id={`log-${eventId}`} className="alert-log__caption">
          Delivery log
        </caption>
        <thead>
          <tr>
            <th scope="col">Channel</th>
            <th scope="col">To</th>
            <th scope="col">Status</th>
            <th scope="col" className="num">
              Attempts
            </th>
            <th scope="col">Response</th>
            <th scope="col">Last attempt</th>
            <th scope="col">Next retry</th>
          </tr>
        </thead>
        <tbody>
          {deliveries.map((d) => (
            <tr key={d.id} data-testid="delivery" data-channel={d.channel} data-status={d.status}>
              <td>{CHANNEL_LABEL[d.channel]}</td>
              <td>{d.recipient}</td>
              <td>
                <span className={`alert-log__status alert-log__status--${d.status}`}>{STATUS_LABEL[d.status]}</span>
                {d.detail ? <span className="alert-log__detail">{d.detail}</span> : null}
              </td>
              {/* The inbox row is written with the alert: there is nothing to attempt. */}
              <td className="num">{d.channel === 'in_app' ? <span className="muted">—</span> : d.attempts}</td>
              <td>{d.responseCode ?? <span className="muted">—</span>}</td>
              <td>
                {d.deliveredAt ? (
                  when(d.deliveredAt)
                ) : d.lastAttemptAt ? (
                  when(d.lastAttemptAt)
                ) : (
                  <span className="muted">—</span>
                )}
              </td>
              <td>{d.nextAttemptAt ? when(d.nextAttemptAt) : <span className="muted">—</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
