import { randomUUID } from 'node:crypto';
import { sql, type Database, type TenantDb } from '@mfiq/db';
import { localDate } from '../metrics/periods.ts';
import { decide, explainVerdict, type Calendar, type Decision, type Verdict } from './evaluate.ts';
import { planFanout, readAudience, type NewEvent } from './fanout.ts';
import { groupBy } from './group.ts';
import { judgeRules } from './judge.ts';
import { loadContext, rulesIn, type LoadedRule, type RuleScope } from './rules.ts';
import { unsettledRules } from './steady.ts';
import { unlessLocked } from './tenant.ts';

export const EVALUATE_TASK = 'alerts_evaluate';
export const DELIVER_TASK = 'alerts_deliver';

export interface EvaluationResult {
  status: 'evaluated' | 'locked' | 'no_organization';
  rules: number;
  fired: number;
  reopened: number;
  resolved: number;
  notifications: number;
  emails: number;
  webhooks: number;
}

const empty = (status: EvaluationResult['status']): EvaluationResult => ({
  status,
  rules: 0,
  fired: 0,
  reopened: 0,
  resolved: 0,
  notifications: 0,
  emails: 0,
  webhooks: 0,
});

type Candidate = { rule: LoadedRule; verdict: Verdict };

/**
 * An evaluation job's whole work: enter the organization (not when it is locked, see tenant.ts) and
 * evaluate in that one transaction.
 */
export async function evaluateTenant(
  db: Database,
  opts: { tenantId: string; scope: RuleScope; now?: Date; publicUrl: string },
): Promise<EvaluationResult> {
  const out = await unlessLocked(db, opts.tenantId, (trx) => evaluateAlerts(trx, opts));
  return out.locked ? empty('locked') : out.result;
}

/**
 * One evaluation of an organization's rules (all of them, or those a write touched), inside the
 * caller's tenant transaction: judge each rule, open events for what fires (once per rule and
 * occurrence, enforced by the unique key, so two workers or a retry open nothing twice), resolve
 * what cleared, and deliver the new events. A locked organization's alerts do not fire.
 *
 * It runs after every write, so it is built for few round trips whatever the number of rules: the
 * organization with its cached rules (one), the values (one per grain), what exists already (one),
 * the recipients (one) and every write of new events with their deliveries (one statement).
 */
export async function evaluateAlerts(
  db: TenantDb,
  opts: { tenantId: string; scope: RuleScope; now?: Date; publicUrl: string },
): Promise<EvaluationResult> {
  const now = opts.now ?? new Date();
  const context = await loadContext(db, opts.tenantId);
  if (!context) return empty('no_organization');
  const { org, snapshot } = context;
  // The entry refused a locked organization; this covers a lock committed since (read committed).
  if (org.locked) return empty('locked');
  const cal: Calendar = {
    slug: org.slug,
    timezone: org.timezone,
    weekStart: org.weekStart,
    today: localDate(now, org.timezone),
    now,
  };
  const inScope = rulesIn(snapshot, opts.scope);
  const result = empty('evaluated');
  result.rules = inScope.length;
  if (!inScope.length) return result;
  // Thresholds whose verdict cannot change anything are settled set-wise first (steady.ts); a rule
  // named by id (saved or resumed just now) is judged in full.
  const rules = 'ruleIds' in opts.scope ? inScope : await unsettledRules(db, opts.tenantId, inScope, cal);
  if (!rules.length) return result;
  const verdicts = await judgeRules(db, opts.tenantId, rules, cal, snapshot.parts);

  const candidates: Candidate[] = [];
  const clearing: { rule: LoadedRule; decision: Decision }[] = [];
  for (const rule of rules) {
    const d = decide(verdicts.get(rule.id) ?? []);
    for (const v of d.fire) candidates.push({ rule, verdict: v });
    if (d.clearedBy || d.lapsed.length || (rule.condition.kind === 'stale' && d.fire.length))
      clearing.push({ rule, decision: d });
  }
  if (!candidates.length && !clearing.length) return result;

  const known = await readKnown(db, opts.tenantId, 'all' in opts.scope, clearing, candidates);
  result.resolved = await resolveCleared(db, opts.tenantId, cal, clearing, known.open, now);
  if (!candidates.length) return result;

  // An open event stays as it is; a resolved one whose condition came back within its period
  // reopens without notifying again (its period was announced once already).
  const reopen = candidates.filter((_, i) => known.resolved.has(i));
  if (reopen.length) {
    const reopened = await sql`
      update alert_events e set state = case when e.acknowledged_at is null then 'firing' else 'acknowledged' end::alert_event_state,
             resolved_at = null, resolution = null
        from unnest(${reopen.map((c) => c.rule.id)}::uuid[], ${reopen.map((c) => c.verdict.occurrence)}::text[]) as k (rule_id, occurrence)
       where e.tenant_id = ${opts.tenantId} and e.rule_id = k.rule_id and e.occurrence = k.occurrence and e.state = 'resolved'`.execute(
      db,
    );
    result.reopened = Number(reopened.numAffectedRows ?? 0);
  }
  const fresh = candidates.filter((_, i) => known.fresh.has(i));
  if (!fresh.length) return result;

  const notified = coolDown(fresh, known.lastNotified, now);
  const events: (NewEvent & { verdict: Verdict })[] = fresh.map((c, i) => ({
    id: randomUUID(),
    rule: c.rule,
    verdict: c.verdict,
    explanation: explainVerdict(c.rule, cal, c.verdict),
    notified: notified[i]!,
  }));
  const toNotify = [...new Set(events.filter((e) => e.notified).map((e) => e.rule.id))];
  const audience = toNotify.length ? await readAudience(db, opts.tenantId, toNotify, now) : null;
  const plan = audience
    ? planFanout(org, events, audience, { now, publicUrl: opts.publicUrl })
    : { inbox: [], mail: [], deliveries: [] };

  // Events and their deliveries in one statement. The events' unique key refuses an occurrence
  // another worker opened meanwhile; every other row joins on the events really inserted, so a
  // refused event delivers nothing. A due webhook wakes the sender in the same statement.
  // Typed arrays, one per column, except the explanations: as one JSON array, parsed once and read
  // by position (a jsonb[] parameter cost the driver half a second to quote at 10,000 events, and a
  // JSON document of whole rows more to parse). Ids go as array literals written here (a uuid needs
  // no quoting), which is also much cheaper for the driver than its general array encoding.
  const col = <T>(f: (e: (typeof events)[number]) => T) => events.map(f);
  const ids = (xs: string[]) => `{${xs.join(',')}}`;
  const { rows: counts } = await sql<{
    fired: number;
    notifications: number;
    emails: number;
    webhooks: number;
    woken: number;
  }>`
    with doc as materialized (select ${JSON.stringify(col((e) => e.explanation))}::jsonb as explanations),
    ev as (
      insert into alert_events (tenant_id, id, rule_id, occurrence, grain, period_start, period_end, value, baseline,
                                explanation, notified, fired_at)
      select ${opts.tenantId}, x.id, x.rule_id, x.occurrence, x.grain, x.period_start, x.period_end, x.value, x.baseline,
             (select d.explanations from doc d) -> (x.i - 1)::int, x.notified, ${now}
        from unnest(${ids(col((e) => e.id))}::uuid[], ${ids(col((e) => e.rule.id))}::uuid[], ${col((e) => e.verdict.occurrence)}::text[],
                    ${col((e) => e.rule.grain)}::metric_grain[], ${col((e) => e.verdict.period?.start ?? null)}::date[],
                    ${col((e) => e.verdict.period?.end ?? null)}::date[], ${col((e) => e.verdict.value)}::float8[],
                    ${col((e) => e.verdict.baseline)}::float8[], ${col((e) => e.notified)}::boolean[])
             with ordinality as x (id, rule_id, occurrence, grain, period_start, period_end, value, baseline, notified, i)
      on conflict (tenant_id, rule_id, occurrence) do nothing
      returning id
    ), mail as (
      insert into email_outbox (id, kind, to_address, subject, text_body, next_attempt_at)
      select x.id, 'alert', x."toAddress", x.subject, x."textBody", x."nextAttemptAt"
        from jsonb_to_recordset(${JSON.stringify(plan.mail)}::jsonb) as x (id uuid, "eventId" uuid, "toAddress" text, subject text,
             "textBody" text, "nextAttemptAt" timestamptz)
        join ev on ev.id = x."eventId"
      returning id
    ), inbox as (
      insert into notifications (tenant_id, membership_id, event_id, email_off)
      select ${opts.tenantId}, x.membership_id, x.event_id, x.email_off
        from unnest(${ids(plan.inbox.map((i) => i.membershipId))}::uuid[], ${ids(plan.inbox.map((i) => i.eventId))}::uuid[],
                    ${plan.inbox.map((i) => i.emailOff)}::boolean[]) as x (membership_id, event_id, email_off)
        join ev on ev.id = x.event_id
      on conflict do nothing
      returning id
    ), log as (
      insert into alert_deliveries (tenant_id, id, event_id, channel, membership_id, channel_id, status, detail,
                                    next_attempt_at, delivered_at, email_outbox_id)
      select ${opts.tenantId}, x.id, x."eventId", x.channel, x."membershipId", x."channelId", x.status, x.detail,
             x."nextAttemptAt", x."deliveredAt", x."emailOutboxId"
        from jsonb_to_recordset(${JSON.stringify(plan.deliveries)}::jsonb) as x (id uuid, "eventId" uuid,
             channel alert_delivery_channel, "membershipId" uuid, "channelId" uuid, status alert_delivery_status, detail text,
             "nextAttemptAt" timestamptz, "deliveredAt" timestamptz, "emailOutboxId" uuid)
        join ev on ev.id = x."eventId"
      on conflict do nothing
      returning channel, status, next_attempt_at
    ), wake as (
      select graphile_worker.add_job(${DELIVER_TASK}, json_build_object('tenantId', ${opts.tenantId}::text),
               job_key => ${`${DELIVER_TASK}:${opts.tenantId}`}, job_key_mode => 'preserve_run_at', max_attempts => 3)
       where exists (select 1 from log where channel = 'webhook' and status = 'pending' and next_attempt_at <= ${now})
    )
    select (select count(*) from ev)::int as fired, (select count(*) from inbox)::int as notifications,
           (select count(*) from mail)::int as emails,
           (select count(*) from log where channel = 'webhook' and status = 'pending')::int as webhooks,
           (select count(*) from wake)::int as woken`.execute(db);
  const c = counts[0]!;
  result.fired = c.fired;
  result.notifications = c.notifications;
  result.emails = c.emails;
  result.webhooks = c.webhooks;
  return result;
}

interface Known {
  /** Candidates (by index) without an event yet: they fire. */
  fresh: Set<number>;
  /** Candidates (by index) whose event was resolved: they reopen. */
  resolved: Set<number>;
  /** Open events of rules where something no longer holds, that it may resolve. */
  open: Map<string, { id: string; occurrence: string; periodStart: string | null }[]>;
  /** Latest notified firing per rule with a cool-down (ms). */
  lastNotified: Map<string, number>;
}

/**
 * What exists already, in one round trip, answering only what differs from "as it was": the
 * candidates that have no event yet or a resolved one (sent as rule ids with an index into their few
 * distinct occurrences; an evaluation where every alert is already open reads nothing back), the
 * open events that a clear could resolve (silences, periods up to the latest clear, occurrences
 * that stopped holding: in a steady organization, a handful), and when rules with a cool-down last
 * notified. Reading every open event of ten thousand rules after each write cost more than judging them.
 */
async function readKnown(
  db: TenantDb,
  tenantId: string,
  whole: boolean,
  clearing: { rule: LoadedRule; decision: Decision }[],
  candidates: Candidate[],
): Promise<Known> {
  const occurrences: string[] = [];
  const occurrenceAt = new Map<string, number>();
  const candidateOccurrences = candidates.map((c) => {
    let at = occurrenceAt.get(c.verdict.occurrence);
    if (at === undefined) {
      at = occurrences.push(c.verdict.occurrence);
      occurrenceAt.set(c.verdict.occurrence, at);
    }
    return at;
  });
  let clearedUpTo: string | null = null;
  const lapsed = new Set<string>();
  for (const { decision } of clearing) {
    const upTo = decision.clearedBy?.period?.start;
    if (upTo && (clearedUpTo === null || upTo > clearedUpTo)) clearedUpTo = upTo;
    for (const v of decision.lapsed) lapsed.add(v.occurrence);
  }
  const clearingRules = whole ? [] : clearing.map((c) => c.rule.id);
  const cooling = [...new Set(candidates.filter((c) => c.rule.cooldownMinutes > 0).map((c) => c.rule.id))];
  const { rows } = await sql<{ doc: string }>`
    select json_build_object(
      'open', case when ${clearing.length > 0} then
        (select json_agg(json_build_array(e.id, e.rule_id, e.occurrence, e.period_start)) from alert_events e
          where e.tenant_id = ${tenantId} and e.state <> 'resolved'
            and (${whole}::boolean or e.rule_id = any(${clearingRules}::uuid[]))
            and (e.period_start is null or e.period_start <= ${clearedUpTo}::date
                 or e.occurrence = any(${[...lapsed]}::text[]))) end,
      'differ', (select json_agg(json_build_array(k.i - 1, e.state))
                   from unnest(${candidates.map((c) => c.rule.id)}::uuid[], ${candidateOccurrences}::int[])
                        with ordinality as k (rule_id, occurrence, i)
                   left join alert_events e on e.tenant_id = ${tenantId} and e.occurrence = any(${occurrences}::text[])
                        and e.rule_id = k.rule_id and e.occurrence = (${occurrences}::text[])[k.occurrence]
                  where e.id is null or e.state = 'resolved'),
      'cooling', (select json_agg(json_build_array(c.rule_id, c.ms)) from (
                    select e.rule_id, extract(epoch from max(e.fired_at)) * 1000 as ms from alert_events e
                     where e.tenant_id = ${tenantId} and e.rule_id = any(${cooling}::uuid[]) and e.notified
                     group by e.rule_id) c)
    )::text as doc`.execute(db);
  const doc = JSON.parse(rows[0]!.doc) as {
    open: [string, string, string, string | null][] | null;
    differ: [number, string | null][] | null;
    cooling: [string, number][] | null;
  };
  const fresh = new Set<number>();
  const resolved = new Set<number>();
  for (const [i, state] of doc.differ ?? []) (state === null ? fresh : resolved).add(i);
  const open = groupBy(
    (doc.open ?? []).map(([id, ruleId, occurrence, periodStart]) => ({ id, ruleId, occurrence, periodStart })),
    (e) => e.ruleId,
  );
  return { fresh, resolved, open, lastNotified: new Map(doc.cooling ?? []) };
}

/**
 * Resolves what no longer holds: an occurrence that stopped holding (a correction); every open
 * event up to the latest final "does not hold" (the metric is back to normal); for stale rules,
 * every silence but the current one.
 */
async function resolveCleared(
  db: TenantDb,
  tenantId: string,
  cal: Calendar,
  clearing: { rule: LoadedRule; decision: Decision }[],
  open: Known['open'],
  now: Date,
): Promise<number> {
  const resolve = new Map<string, string>();
  for (const { rule, decision } of clearing) {
    const events = open.get(rule.id);
    if (!events) continue;
    const { fire, lapsed, clearedBy } = decision;
    const why = (prefix: string, v: Verdict) => `${prefix}: ${explainVerdict(rule, cal, v).summary}`.slice(0, 300);
    for (const e of events) {
      if (rule.condition.kind === 'stale') {
        const verdict = fire[0] ?? clearedBy;
        if (!verdict) continue;
        if (verdict.holds && e.occurrence !== verdict.occurrence)
          resolve.set(e.id, 'New data arrived, then it went quiet again');
        if (!verdict.holds) resolve.set(e.id, why('Cleared', verdict));
        continue;
      }
      const gone = lapsed.find((v) => v.occurrence === e.occurrence);
      if (gone) resolve.set(e.id, why('No longer true', gone));
      else if (clearedBy?.period && e.periodStart !== null && e.periodStart <= clearedBy.period.start)
        resolve.set(e.id, why('Cleared', clearedBy));
    }
  }
  if (!resolve.size) return 0;
  const resolved = await sql`
    update alert_events e set state = 'resolved', resolved_at = ${now}, resolution = u.reason
      from unnest(${[...resolve.keys()]}::uuid[], ${[...resolve.values()]}::text[]) as u (id, reason)
     where e.tenant_id = ${tenantId} and e.id = u.id and e.state <> 'resolved'`.execute(db);
  return Number(resolved.numAffectedRows ?? 0);
}

/**
 * A rule with a cool-down notifies at most once per cool-down: later events inside it are still
 * recorded (the alert page shows them) but deliver nothing. Earlier periods go first.
 */
function coolDown(fresh: Candidate[], lastNotified: Map<string, number>, now: Date): boolean[] {
  const last = new Map(lastNotified);
  const order = fresh
    .map((c, i) => ({ c, i }))
    .sort((a, b) => ((a.c.verdict.period?.start ?? '') < (b.c.verdict.period?.start ?? '') ? -1 : 1));
  const out: boolean[] = fresh.map(() => true);
  for (const { c, i } of order) {
    if (c.rule.cooldownMinutes === 0) continue;
    const prev = last.get(c.rule.id);
    const ok = prev === undefined || now.getTime() - prev >= c.rule.cooldownMinutes * 60_000;
    out[i] = ok;
    if (ok) last.set(c.rule.id, now.getTime());
  }
  return out;
}
