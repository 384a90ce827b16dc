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

/**
 * The delivery log of some events. Mail is sent by the outbox the web cannot read; its state for
 * these rows comes from app_alert_email_status, which answers this organization's alert mails only.
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
    ])
    .where('d.tenantId', '=', tenantId)
    .where('d.eventId', 'in', eventIds)
    .orderBy('d.channel')
    .orderBy('d.createdAt')
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
    const list = out.get(r.eventId);
    if (list) list.push(d);
    else out.set(r.eventId, [d]);
  }
  return out;
}
