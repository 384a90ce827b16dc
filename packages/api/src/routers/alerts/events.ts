import { sql, type TenantDb } from '@mfiq/db';
import type { z } from 'zod';
import type { deliveryOutput, eventOutput, explanationOutput } from './schemas.ts';

type Event = z.infer<typeof eventOutput>;
type Delivery = z.infer<typeof deliveryOutput>;

/** Events as pages show them, with who acknowledged them (by name). */
export function selectEvents(db: TenantDb, tenantId: string) {
  return db
    .selectFrom('alertEvents as e')
    .leftJoin('users as u', 'u.id', 'e.acknowledgedBy')
    .select([
      'e.id',
      'e.ruleId',
      'e.occurrence',
      'e.state',
      'e.firedAt',
      'e.notified',
      'e.explanation',
      'e.acknowledgedAt',
      'u.displayName as acknowledgedBy',
      'e.resolvedAt',
      'e.resolution',
    ])
    .where('e.tenantId', '=', tenantId);
}

export const toEvent = (row: Omit<Event, 'explanation'> & { explanation: unknown }): Event => ({
  ...row,
  explanation: row.explanation as z.infer<typeof explanationOutput>,
});

/** The log's order: in-app, then mail, then webhooks, each in the order they were written, then by name. */
const CHANNEL_ORDER: Record<Delivery['channel'], number> = { in_app: 0, email: 1, webhook: 2 };

/**
 * The delivery log of some events. An inbox item is its member's in-app delivery, and says when
 * their mail was skipped because they had turned alert mail off (ADR 0115); every other delivery
 * and every one not made (muted, snoozed, channel disabled) has its row in alert_deliveries. Mail is
 * sent by the outbox the web cannot read; its state for these rows comes from
 * app_alert_email_status, which answers this organization's alert mails only.
 */
export async function deliveriesOf(
  db: TenantDb,
  tenantId: string,
  eventIds: string[],
): Promise<Map<string, Delivery[]>> {
  const out = new Map<string, Delivery[]>();
  if (!eventIds.length) return out;
  const rows = await db
    .selectFrom('alertDeliveries as d')
    .leftJoin('memberships as ms', (j) =>
      j.onRef('ms.tenantId', '=', 'd.tenantId').onRef('ms.id', '=', 'd.membershipId'),
    )
    .leftJoin('users as u', 'u.id', 'ms.userId')
    .leftJoin('alertChannels as c', (j) => j.onRef('c.tenantId', '=', 'd.tenantId').onRef('c.id', '=', 'd.channelId'))
    .select([
      'd.id',
      'd.eventId',
      'd.channel',
      'u.displayName as memberName',
      'c.name as channelName',
      'd.status',
      'd.detail',
      'd.attempts',
      'd.responseCode',
      'd.nextAttemptAt',
      'd.lastAttemptAt',
      'd.deliveredAt',
      'd.emailOutboxId',
      'd.createdAt',
    ])
    .where('d.tenantId', '=', tenantId)
    .where('d.eventId', 'in', eventIds)
    .execute();
  const inbox = await db
    .selectFrom('notifications as n')
    .innerJoin('memberships as ms', (j) =>
      j.onRef('ms.tenantId', '=', 'n.tenantId').onRef('ms.id', '=', 'n.membershipId'),
    )
    .innerJoin('users as u', 'u.id', 'ms.userId')
    .select(['n.id', 'n.eventId', 'n.createdAt', 'n.emailOff', 'u.displayName as memberName'])
    .where('n.tenantId', '=', tenantId)
    .where('n.eventId', 'in', eventIds)
    .execute();
  const mailIds = rows.flatMap((r) => (r.emailOutboxId ? [r.emailOutboxId] : []));
  const mail = new Map(
    mailIds.length
      ? (
          await sql<{
            id: string;
            status: string;
            attempts: number;
            nextAttemptAt: Date;
            lastError: string | null;
            sentAt: Date | null;
          }>`select * from app_alert_email_status(${mailIds}::uuid[])`.execute(db)
        ).rows.map((m) => [m.id, m])
      : [],
  );
  const log: { eventId: string; at: Date; d: Delivery }[] = [];
  const quiet = { attempts: 0, responseCode: null, nextAttemptAt: null, lastAttemptAt: null };
  for (const n of inbox) {
    log.push({
      eventId: n.eventId,
      at: n.createdAt,
      d: {
        id: n.id,
        channel: 'in_app',
        recipient: n.memberName,
        status: 'delivered',
        detail: null,
        ...quiet,
        deliveredAt: n.createdAt,
      },
    });
    if (n.emailOff)
      log.push({
        eventId: n.eventId,
        at: n.createdAt,
        d: {
          id: `${n.id}:email`,
          channel: 'email',
          recipient: n.memberName,
          status: 'skipped',
          detail: 'Alert mail is turned off in their notification settings',
          ...quiet,
          deliveredAt: null,
        },
      });
  }
  for (const r of rows) {
    const m = r.emailOutboxId ? mail.get(r.emailOutboxId) : undefined;
    const d: Delivery = {
      id: r.id,
      channel: r.channel,
      recipient: r.memberName ?? r.channelName ?? 'removed',
      status: r.status,
      detail: r.detail,
      attempts: r.attempts,
      responseCode: r.responseCode,
      nextAttemptAt: r.nextAttemptAt,
      lastAttemptAt: r.lastAttemptAt,
      deliveredAt: r.deliveredAt,
    };
    if (m) {
      d.attempts = m.attempts;
      d.status = m.status === 'sent' ? 'delivered' : m.status === 'failed' ? 'failed' : 'queued';
      d.deliveredAt = m.sentAt;
      d.nextAttemptAt = m.status === 'pending' ? m.nextAttemptAt : null;
      if (m.lastError) d.detail = m.lastError;
    }
    log.push({ eventId: r.eventId, at: r.createdAt, d });
  }
  log.sort(
    (a, b) =>
      CHANNEL_ORDER[a.d.channel] - CHANNEL_ORDER[b.d.channel] ||
      a.at.getTime() - b.at.getTime() ||
      a.d.recipient.localeCompare(b.d.recipient),
  );
  for (const { eventId, d } of log) {
    const list = out.get(eventId);
    if (list) list.push(d);
    else out.set(eventId, [d]);
  }
  return out;
}
