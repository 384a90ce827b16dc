import type { SubmissionResult } from '@conform-to/react';
import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation, useRouteLoaderData } from '@remix-run/react';
import { useEffect } from 'react';
import { z } from 'zod';
import { acknowledgeInput, notificationIdSchema, unmuteInput } from '@mfiq/api/shared';
import { AlertState, Explanation, when } from '../components/alerts/explanation.tsx';
import { FormAlert } from '../components/field.tsx';
import { SNOOZES, snoozeForm, snoozeUntil } from '../lib/alert-forms.ts';
import { submitForm } from '../lib/form-action.server.ts';
import { useApiForm } from '../lib/forms.ts';
import { trpc } from '../trpc.ts';
import { callApi } from '../trpc.server.ts';
import type { OrgData } from './orgs.$slug.tsx';

export const meta: MetaFunction = ({ matches }) => {
  const org = matches.find((m) => m.id === 'routes/orgs.$slug')?.data as OrgData | undefined;
  return [{ title: org ? `Alerts · ${org.organization.name} · Metric Flow IQ` : 'Alerts · Metric Flow IQ' }];
};

/** The signed-in member's inbox in this organization (their own notifications only). */
export async function loader(args: LoaderFunctionArgs) {
  const slug = args.params.slug ?? '';
  const url = new URL(args.request.url);
  const before = url.searchParams.get('before') ?? undefined;
  return callApi(args, (caller) => caller.notifications.list({ slug, before }));
}

/**
 * Acknowledge ("I am on it", for everyone) also marks the member's own notification read; snooze
 * (a Conform form) mutes the rule for them until a chosen time; mark read and unmute are buttons.
 */
/** The inbox's forms, told apart by the button pressed (`intent`), each with the ids its procedures take. */
const notification = { notificationId: notificationIdSchema };
const inboxForm = z.discriminatedUnion('intent', [
  snoozeForm.extend({ intent: z.literal('snooze') }),
  acknowledgeInput.extend({ intent: z.literal('acknowledge'), ...notification }),
  z.object({ intent: z.literal('read'), ...notification }),
  z.object({ intent: z.literal('read-all') }),
  unmuteInput.extend({ intent: z.literal('unmute') }),
]);

export async function action(args: ActionFunctionArgs) {
  const slug = args.params.slug ?? '';
  const outcome = await submitForm(args, inboxForm, async (v, api) => {
    switch (v.intent) {
      case 'snooze':
        await api.alerts.mute({ slug, ruleId: v.ruleId, until: snoozeUntil(v.for) });
        return 'snoozed' as const;
      case 'acknowledge':
        await api.alerts.acknowledge({ slug, eventId: v.eventId });
        await api.notifications.markRead({ slug, ids: [v.notificationId] });
        return 'acknowledged' as const;
      case 'read':
        await api.notifications.markRead({ slug, ids: [v.notificationId] });
        return 'read' as const;
      case 'read-all':
        await api.notifications.markRead({ slug, all: true });
        return 'read' as const;
      case 'unmute':
        await api.alerts.unmute({ slug, ruleId: v.ruleId });
        return 'unmuted' as const;
    }
  });
  // The snooze form shows its reply on its own fields; the buttons' errors are one line at the top.
  const snooze = outcome.reply.initialValue?.intent === 'snooze';
  if (outcome.ok) return { done: outcome.value, reply: snooze ? outcome.reply : null, formError: null };
  const formError = snooze
    ? null
    : Object.values(outcome.reply.error ?? {})
        .flat()
        .join(' ') || 'That did not work';
  return data(
    { done: null, reply: snooze ? outcome.reply : null, formError },
    { status: outcome.apiCode === 'CONFLICT' ? 409 : 400 },
  );
}

const DONE = {
  acknowledged: 'Alert acknowledged.',
  read: 'Marked as read.',
  snoozed: 'Rule snoozed for you.',
  unmuted: 'You hear from this rule again.',
} as const;

type Inbox = Awaited<ReturnType<typeof loader>>;

export default function AlertsInbox() {
  const org = useRouteLoaderData<OrgData>('routes/orgs.$slug');
  const { items, unread, next } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const utils = trpc.useUtils();

  // The bell counts unread items: ask it again as soon as this page changed one.
  useEffect(() => {
    if (result?.done) void utils.notifications.unreadCounts.invalidate();
  }, [result, utils]);

  if (!org) return null;
  const busy = navigation.state !== 'idle';
  return (
    <section className="panel" aria-labelledby="inbox-title">
      <div className="alerts__head">
        <h2 id="inbox-title" className="panel__title">
          Alerts
        </h2>
        <div className="inbox__tools">
          <Link to="rules" className="button button--quiet">
            {org.permissions.includes('alerts:manage') ? 'Manage rules' : 'Rules'}
          </Link>
          {unread > 0 ? (
            <Form method="post">
              <button type="submit" name="intent" value="read-all" className="button button--quiet" disabled={busy}>
                Mark all read
              </button>
            </Form>
          ) : null}
        </div>
      </div>
      <p className="muted" data-testid="inbox-unread">
        {unread === 0 ? 'Nothing unread.' : `${unread} unread ${unread === 1 ? 'alert' : 'alerts'}.`} Alerts come from
        the rules of {org.organization.name}; each says what was measured and what it was compared with.
      </p>
      {result?.done && !busy ? <FormAlert tone="success">{DONE[result.done]}</FormAlert> : null}
      {result?.formError ? <FormAlert>{result.formError}</FormAlert> : null}
      {items.length === 0 ? (
        <p className="muted" data-testid="inbox-empty">
          No alerts yet. When a rule you receive fires, it appears here and on the bell.
        </p>
      ) : (
        <ol className="inbox" data-testid="inbox">
          {items.map((item) => (
            <InboxItem key={item.id} item={item} lastResult={result?.reply} busy={busy} />
          ))}
        </ol>
      )}
      {next ? (
        <p className="inbox__more">
          <Link to={`?before=${next}`}>Older alerts</Link>
        </p>
      ) : null}
    </section>
  );
}

function InboxItem({
  item,
  lastResult,
  busy,
}: {
  item: Inbox['items'][number];
  lastResult: SubmissionResult<string[]> | null | undefined;
  busy: boolean;
}) {
  const { event } = item;
  const x = event.explanation;
  const formId = `snooze-${item.id}`;
  const [form, fields] = useApiForm(snoozeForm, {
    id: formId,
    lastResult: lastResult?.initialValue?.ruleId === event.ruleId ? lastResult : null,
  });
  return (
    <li
      className={`inbox__item${item.readAt ? '' : ' inbox__item--unread'}`}
      data-testid="inbox-item"
      data-state={event.state}
      aria-labelledby={`alert-${item.id}`}
    >
      <div className="inbox__head">
        <h3 id={`alert-${item.id}`} className="inbox__title">
          {item.readAt ? null : <span className="visually-hidden">Unread: </span>}
          {x.summary}
        </h3>
        <AlertState state={event.state} />
      </div>
      <Explanation event={event} />
      <div className="inbox__actions">
        <Link to={x.link} className="button button--quiet">
          Open {x.metric.name} at {x.period?.label ?? 'this period'}
        </Link>
        <Link
          to={`${event.ruleId}?event=${event.id}#event-${event.id}`}
          className="button button--quiet"
          aria-label={`Details and deliveries of ${x.rule.name}`}
        >
          Details
        </Link>
        {event.state === 'firing' ? (
          <Form method="post">
            <input type="hidden" name="eventId" value={event.id} />
            <input type="hidden" name="notificationId" value={item.id} />
            <button type="submit" name="intent" value="acknowledge" className="button" disabled={busy}>
              Acknowledge
            </button>
          </Form>
        ) : null}
        {!item.readAt && event.state !== 'firing' ? (
          <Form method="post">
            <input type="hidden" name="notificationId" value={item.id} />
            <button type="submit" name="intent" value="read" className="button button--quiet" disabled={busy}>
              Mark read
            </button>
          </Form>
        ) : null}
        {item.myMute ? (
          <Form method="post" className="inbox__muted">
            <span className="muted">
              {item.myMute.until ? `Snoozed until ${when(item.myMute.until)}` : 'Muted for you'}
            </span>
            <input type="hidden" name="ruleId" value={event.ruleId} />
            <button type="submit" name="intent" value="unmute" className="button button--quiet" disabled={busy}>
              Unmute
            </button>
          </Form>
        ) : (
          <Form method="post" id={form.id} onSubmit={form.onSubmit} noValidate className="inbox__snooze">
            <input type="hidden" name="ruleId" value={event.ruleId} />
            {/* One snooze form per alert: the select's id is the item's, its name the schema's. */}
            <label htmlFor={`${formId}-for`} className="visually-hidden">
              Snooze {x.rule.name}
            </label>
            <select
              id={`${formId}-for`}
              name={fields.for.name}
              defaultValue="1d"
              className="input select inbox__select"
              aria-invalid={fields.for.errors?.length ? true : undefined}
            >
              {Object.entries(SNOOZES).map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
            <button type="submit" name="intent" value="snooze" className="button button--quiet" disabled={busy}>
              Snooze
            </button>
            {form.errors?.length || fields.for.errors?.length ? (
              <FormAlert>{[...(form.errors ?? []), ...(fields.for.errors ?? [])].join(' ')}</FormAlert>
            ) : null}
          </Form>
        )}
      </div>
    </li>
  );
}
