import { randomUUID } from 'node:crypto';
import { sql, type TenantDb } from '@mfiq/db';
import type { Verdict } from './evaluate.ts';
import type { Explanation } from './explain.ts';
import { clock, quietUntil } from './quiet.ts';
import type { LoadedRule } from './rules.ts';

export interface FiredEvent {
  id: string;
  rule: LoadedRule;
  verdict: Verdict;
  /** False when the rule's cool-down holds notifications back. */
  notified: boolean;
}

export interface Org {
  tenantId: string;
  slug: string;
  name: string;
  timezone: string;
}

interface Member {
  membershipId: string;
  email: string;
  displayName: string;
  disabled: boolean;
  emailAlerts: boolean;
}

const ALERT_MAIL_KIND = 'alert';

/** The alert mail: the explanation, and where to see it and to change what one receives. */
function alertMail(org: Org, e: { id: string; ruleId: string; explanation: Explanation }, publicUrl: string) {
  const x = e.explanation;
  const lines = [
    x.summary,
    '',
    `Rule: ${x.rule.name} (${x.metric.name} ${x.rule.condition})`,
    ...(x.period ? [`Period: ${x.period.label}${x.period.partial ? ' (in progress)' : ''}`] : []),
    `Value: ${x.valueText}`,
    ...(x.comparedWith ? [`Compared with the ${x.comparedWith.label}: ${x.comparedWith.text}`] : []),
    '',
    `See ${x.metric.name} at this period: ${publicUrl}${x.link}`,
    `Alert details, acknowledge or snooze: ${publicUrl}/orgs/${org.slug}/alerts/${e.ruleId}#event-${e.id}`,
    '',
    '-- ',
    'Metric Flow IQ',
    `You get this mail because the rule "${x.rule.name}" in ${org.name} notifies you. Mute it from the alert page, or turn alert mail off: ${publicUrl}/account/notifications`,
  ];
  const subject = `[${org.name}] ${x.metric.name}: ${x.rule.name}${x.period ? ` (${x.period.label})` : ''}`;
  return { subject: subject.length > 200 ? `${subject.slice(0, 197)}...` : subject, text: lines.join('\n') };
}

/**
 * Delivers new events to their recipients, in the evaluation's transaction (so an event and its
 * deliveries exist together or not at all): an inbox item per member, a mail through the outbox
 * for members who want mail, a pending webhook delivery per channel. Each gets a row in the
 * delivery log, including the ones not sent and why (muted, snoozed, mail off, quiet hours).
 * Unique keys make a repeated fan-out of the same event add nothing.
 */
export async function fanOut(
  db: TenantDb,
  org: Org,
  events: FiredEvent[],
  opts: { now: Date; publicUrl: string },
): Promise<{ notifications: number; emails: number; webhooks: number; webhooksDue: boolean }> {
  const result = { notifications: 0, emails: 0, webhooks: 0, webhooksDue: false };
  const notify = events.filter((e) => e.notified);
  if (!notify.length) return result;
  const ruleIds = [...new Set(notify.map((e) => e.rule.id))];
  const recipients = await db
    .selectFrom('alertRuleRecipients')
    .select(['ruleId', 'membershipId', 'channelId'])
    .where('tenantId', '=', org.tenantId)
    .where('ruleId', 'in', ruleIds)
    .execute();
  if (!recipients.length) return result;
  const hasMembers = recipients.some((r) => r.membershipId);
  const members = new Map<string, Member>(
    hasMembers
      ? (
          await sql<Member>`select membership_id, email, display_name, disabled, email_alerts from app_alert_members()`.execute(
            db,
          )
        ).rows.map((m) => [m.membershipId, m])
      : [],
  );
  const mutes = hasMembers
    ? await db
        .selectFrom('alertMutes')
        .select(['ruleId', 'membershipId', 'until'])
        .where('tenantId', '=', org.tenantId)
        .where('ruleId', 'in', ruleIds)
        .where((eb) => eb.or([eb('until', 'is', null), eb('until', '>', opts.now)]))
        .execute()
    : [];
  const muteOf = new Map(mutes.map((m) => [`${m.ruleId}|${m.membershipId}`, m.until]));
  const channelIds = [...new Set(recipients.flatMap((r) => (r.channelId ? [r.channelId] : [])))];
  const channels = new Map(
    channelIds.length
      ? (
          await db
            .selectFrom('alertChannels')
            .select(['id', 'disabledAt'])
            .where('tenantId', '=', org.tenantId)
            .where('id', 'in', channelIds)
            .execute()
        ).map((c) => [c.id, c])
      : [],
  );

  type Delivery = {
    tenantId: string;
    id: string;
    eventId: string;
    channel: 'in_app' | 'email' | 'webhook';
    membershipId: string | null;
    channelId: string | null;
    status: 'pending' | 'delivered' | 'queued' | 'skipped';
    detail: string | null;
    nextAttemptAt: Date | null;
    deliveredAt: Date | null;
    emailOutboxId: string | null;
  };
  const deliveries: Delivery[] = [];
  const inbox: { tenantId: string; membershipId: string; eventId: string }[] = [];
  const mail: {
    id: string;
    kind: string;
    toAddress: string;
    subject: string;
    textBody: string;
    nextAttemptAt: Date;
  }[] = [];
  const byRule = new Map<string, typeof recipients>();
  for (const r of recipients) byRule.set(r.ruleId, [...(byRule.get(r.ruleId) ?? []), r]);
  const row = (e: FiredEvent, d: Partial<Delivery> & Pick<Delivery, 'channel' | 'status'>): Delivery => ({
    tenantId: org.tenantId,
    id: randomUUID(),
    eventId: e.id,
    membershipId: null,
    channelId: null,
    detail: null,
    nextAttemptAt: null,
    deliveredAt: null,
    emailOutboxId: null,
    ...d,
  });

  for (const e of notify) {
    const held = quietUntil(e.rule.quiet, opts.now, org.timezone);
    const heldNote = held ? `Held for quiet hours until ${clock(e.rule.quiet!.end)} (${held.toISOString()})` : null;
    for (const r of byRule.get(e.rule.id) ?? []) {
      if (r.channelId) {
        const channel = channels.get(r.channelId);
        if (!channel) continue;
        if (channel.disabledAt) {
          deliveries.push(
            row(e, {
              channel: 'webhook',
              channelId: r.channelId,
              status: 'skipped',
              detail: 'The channel is disabled',
            }),
          );
          continue;
        }
        const at = held ?? opts.now;
        deliveries.push(
          row(e, {
            channel: 'webhook',
            channelId: r.channelId,
            status: 'pending',
            nextAttemptAt: at,
            detail: heldNote,
          }),
        );
        result.webhooks += 1;
        if (!held) result.webhooksDue = true;
        continue;
      }
      const member = members.get(r.membershipId!);
      if (!member || member.disabled) continue;
      const membershipId = member.membershipId;
      const muted = muteOf.get(`${e.rule.id}|${membershipId}`);
      if (muted !== undefined) {
        const detail = muted
          ? `Snoozed by ${member.displayName} until ${muted.toISOString()}`
          : `Muted by ${member.displayName}`;
        deliveries.push(row(e, { channel: 'in_app', membershipId, status: 'skipped', detail }));
        continue;
      }
      inbox.push({ tenantId: org.tenantId, membershipId, eventId: e.id });
      deliveries.push(row(e, { channel: 'in_app', membershipId, status: 'delivered', deliveredAt: opts.now }));
      if (!member.emailAlerts) {
        deliveries.push(
          row(e, {
            channel: 'email',
            membershipId,
            status: 'skipped',
            detail: 'Alert mail is turned off in their notification settings',
          }),
        );
        continue;
      }
      const m = alertMail(org, { id: e.id, ruleId: e.rule.id, explanation: e.verdict.explanation }, opts.publicUrl);
      const outboxId = randomUUID();
      mail.push({
        id: outboxId,
        kind: ALERT_MAIL_KIND,
        toAddress: member.email,
        subject: m.subject,
        textBody: m.text,
        nextAttemptAt: held ?? opts.now,
      });
      deliveries.push(
        row(e, { channel: 'email', membershipId, status: 'queued', emailOutboxId: outboxId, detail: heldNote }),
      );
    }
  }

  if (mail.length) await db.insertInto('emailOutbox').values(mail).execute();
  if (inbox.length)
    result.notifications = (
      await db
        .insertInto('notifications')
        .values(inbox)
        .onConflict((oc) => oc.doNothing())
        .returning('id')
        .execute()
    ).length;
  if (deliveries.length)
    await db
      .insertInto('alertDeliveries')
      .values(deliveries)
      .onConflict((oc) => oc.doNothing())
      .execute();
  result.emails = mail.length;
  return result;
}
