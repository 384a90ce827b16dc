import { randomUUID } from 'node:crypto';
import { sql, type TenantDb } from '@mfiq/db';
import type { Explanation } from './explain.ts';
import { groupBy } from './group.ts';
import { clock, quietUntil } from './quiet.ts';
import type { LoadedRule, OrgContext } from './rules.ts';

/** A new event about to be written, with its id chosen here so its deliveries can name it. */
export interface NewEvent {
  id: string;
  rule: LoadedRule;
  explanation: Explanation;
  /** False when the rule's cool-down holds notifications back. */
  notified: boolean;
}

/** What delivering needs to know about the rules' recipients, read in one round trip. */
export interface Audience {
  recipients: Map<string, { membershipId: string | null; channelId: string | null }[]>;
  members: Map<string, { email: string; displayName: string; disabled: boolean; emailAlerts: boolean }>;
  /** `rule|membership` -> until (null: muted until unmuted). */
  mutes: Map<string, string | null>;
  disabledChannels: Set<string>;
}

type Tuple<T extends unknown[]> = T;

export async function readAudience(db: TenantDb, tenantId: string, ruleIds: string[], now: Date): Promise<Audience> {
  const { rows } = await sql<{ doc: string }>`
    select json_build_object(
      'recipients', (select json_agg(json_build_array(x.rule_id, x.membership_id, x.channel_id)) from alert_rule_recipients x
                      where x.tenant_id = ${tenantId} and x.rule_id = any(${ruleIds}::uuid[])),
      'members', (select json_agg(json_build_array(m.membership_id, m.email, m.display_name, m.disabled, m.email_alerts))
                    from app_alert_members() m
                   where exists (select 1 from alert_rule_recipients x
                                  where x.tenant_id = ${tenantId} and x.rule_id = any(${ruleIds}::uuid[]) and x.membership_id = m.membership_id)),
      'mutes', (select json_agg(json_build_array(u.rule_id, u.membership_id, u.until)) from alert_mutes u
                 where u.tenant_id = ${tenantId} and u.rule_id = any(${ruleIds}::uuid[]) and (u.until is null or u.until > ${now})),
      'disabled', (select json_agg(c.id) from alert_channels c where c.tenant_id = ${tenantId} and c.disabled_at is not null)
    )::text as doc`.execute(db);
  const doc = JSON.parse(rows[0]!.doc) as {
    recipients: Tuple<[string, string | null, string | null]>[] | null;
    members: Tuple<[string, string, string, boolean, boolean]>[] | null;
    mutes: Tuple<[string, string, string | null]>[] | null;
    disabled: string[] | null;
  };
  const recipients = groupBy(doc.recipients ?? [], ([ruleId]) => ruleId);
  return {
    recipients: new Map(
      [...recipients].map(([ruleId, list]) => [
        ruleId,
        list.map(([, membershipId, channelId]) => ({ membershipId, channelId })),
      ]),
    ),
    members: new Map(
      (doc.members ?? []).map(([id, email, displayName, disabled, emailAlerts]) => [
        id,
        { email, displayName, disabled, emailAlerts },
      ]),
    ),
    mutes: new Map((doc.mutes ?? []).map(([ruleId, membershipId, until]) => [`${ruleId}|${membershipId}`, until])),
    disabledChannels: new Set(doc.disabled ?? []),
  };
}

/** The alert mail: the explanation, and where to see it and to change what one receives. */
function alertMail(org: OrgContext, e: NewEvent, publicUrl: string) {
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
    `Alert details, acknowledge or snooze: ${publicUrl}/orgs/${org.slug}/alerts/${e.rule.id}#event-${e.id}`,
    '',
    '-- ',
    'Metric Flow IQ',
    `You get this mail because the rule "${x.rule.name}" in ${org.name} notifies you. Mute it from the alert page, or turn alert mail off: ${publicUrl}/account/notifications`,
  ];
  const subject = `[${org.name}] ${x.metric.name}: ${x.rule.name}${x.period ? ` (${x.period.label})` : ''}`;
  return { subject: subject.length > 200 ? `${subject.slice(0, 197)}...` : subject, text: lines.join('\n') };
}

interface Delivery {
  id: string;
  eventId: string;
  channel: 'in_app' | 'email' | 'webhook';
  membershipId: string | null;
  channelId: string | null;
  status: 'pending' | 'delivered' | 'queued' | 'skipped';
  detail: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  emailOutboxId: string | null;
}

export interface Fanout {
  inbox: { membershipId: string; eventId: string; emailOff: boolean }[];
  mail: { id: string; eventId: string; toAddress: string; subject: string; textBody: string; nextAttemptAt: string }[];
  deliveries: Delivery[];
}

/**
 * Who hears about each new event and how, without touching the database: an inbox item per member
 * (which is the in-app delivery, and records that mail was off), a mail for members who want mail,
 * a pending webhook delivery per channel, and a row in the delivery log for everything else,
 * including what was not sent and why (muted, snoozed, channel disabled, quiet hours). The write
 * that follows keeps only rows of events it really inserted.
 */
export function planFanout(
  org: OrgContext,
  events: NewEvent[],
  audience: Audience,
  opts: { now: Date; publicUrl: string },
): Fanout {
  const out: Fanout = { inbox: [], mail: [], deliveries: [] };
  const now = opts.now.toISOString();
  const row = (e: NewEvent, d: Partial<Delivery> & Pick<Delivery, 'channel' | 'status'>): Delivery => ({
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
  for (const e of events) {
    if (!e.notified) continue;
    const held = quietUntil(e.rule.quiet, opts.now, org.timezone);
    const heldNote = held ? `Held for quiet hours until ${clock(e.rule.quiet!.end)} (${held.toISOString()})` : null;
    const at = held?.toISOString() ?? now;
    for (const r of audience.recipients.get(e.rule.id) ?? []) {
      if (r.channelId) {
        out.deliveries.push(
          audience.disabledChannels.has(r.channelId)
            ? row(e, {
                channel: 'webhook',
                channelId: r.channelId,
                status: 'skipped',
                detail: 'The channel is disabled',
              })
            : row(e, {
                channel: 'webhook',
                channelId: r.channelId,
                status: 'pending',
                nextAttemptAt: at,
                detail: heldNote,
              }),
        );
        continue;
      }
      const membershipId = r.membershipId!;
      const member = audience.members.get(membershipId);
      if (!member || member.disabled) continue;
      const mute = audience.mutes.get(`${e.rule.id}|${membershipId}`);
      if (mute !== undefined) {
        const detail = mute
          ? `Snoozed by ${member.displayName} until ${new Date(mute).toISOString()}`
          : `Muted by ${member.displayName}`;
        out.deliveries.push(row(e, { channel: 'in_app', membershipId, status: 'skipped', detail }));
        continue;
      }
      // The inbox item is the in-app delivery, and says when mail was off: the log shows both from it.
      out.inbox.push({ membershipId, eventId: e.id, emailOff: !member.emailAlerts });
      if (!member.emailAlerts) continue;
      const m = alertMail(org, e, opts.publicUrl);
      const id = randomUUID();
      out.mail.push({
        id,
        eventId: e.id,
        toAddress: member.email,
        subject: m.subject,
        textBody: m.text,
        nextAttemptAt: at,
      });
      out.deliveries.push(
        row(e, { channel: 'email', membershipId, status: 'queued', emailOutboxId: id, detail: heldNote }),
      );
    }
  }
  return out;
}
