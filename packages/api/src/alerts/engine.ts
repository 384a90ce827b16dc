import { sql, type Json, type TenantDb } from '@mfiq/db';
import { localDate } from '../metrics/periods.ts';
import { decide, type Calendar, type Verdict } from './evaluate.ts';
import { fanOut, type FiredEvent, type Org } from './fanout.ts';
import { judgeRules } from './judge.ts';
import { loadRules, type LoadedRule, type RuleScope } from './rules.ts';

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

/**
 * One evaluation of an organization's rules (all of them, or those a write touched), inside the
 * caller's tenant transaction: judge each rule, open events for what fires (once per rule and
 * occurrence, enforced by the unique key, so two workers or a retry open nothing twice), resolve
 * what cleared, and deliver the new events. A locked organization's alerts do not fire.
 */
export async function evaluateAlerts(
  db: TenantDb,
  opts: { tenantId: string; scope: RuleScope; now?: Date; publicUrl: string },
): Promise<EvaluationResult> {
  const now = opts.now ?? new Date();
  const orgRow = await db
    .selectFrom('organizations')
    .select(['slug', 'name', 'timezone', 'weekStart', 'lockedAt'])
    .where('tenantId', '=', opts.tenantId)
    .executeTakeFirst();
  if (!orgRow) return empty('no_organization');
  if (orgRow.lockedAt) return empty('locked');
  const org: Org = { tenantId: opts.tenantId, slug: orgRow.slug, name: orgRow.name, timezone: orgRow.timezone };
  const cal: Calendar = {
    slug: orgRow.slug,
    timezone: orgRow.timezone,
    weekStart: orgRow.weekStart,
    today: localDate(now, orgRow.timezone),
    now,
  };
  const rules = await loadRules(db, opts.tenantId, opts.scope);
  const result = empty('evaluated');
  result.rules = rules.length;
  if (!rules.length) return result;
  const verdicts = await judgeRules(db, opts.tenantId, rules, cal);

  const candidates: { rule: LoadedRule; verdict: Verdict }[] = [];
  // Resolve open events of a rule: up to a period (`until`), all but one occurrence (`keep`), or one (`only`).
  type Clear = { ruleId: string; until: string | null; keep: string | null; only: string | null; reason: string };
  const clears: Clear[] = [];
  const clear = (c: Partial<Clear> & Pick<Clear, 'ruleId' | 'reason'>) =>
    clears.push({ until: null, keep: null, only: null, ...c });
  for (const rule of rules) {
    const list = verdicts.get(rule.id) ?? [];
    if (rule.condition.kind === 'stale') {
      const v = list[0];
      if (!v) continue;
      if (v.holds) {
        candidates.push({ rule, verdict: v });
        clear({ ruleId: rule.id, keep: v.occurrence, reason: 'New data arrived, then it went quiet again' });
      } else clear({ ruleId: rule.id, reason: `Cleared: ${v.explanation.summary}` });
      continue;
    }
    const { fire, lapsed, clearedBy } = decide(list);
    for (const v of fire) candidates.push({ rule, verdict: v });
    for (const v of lapsed)
      clear({ ruleId: rule.id, only: v.occurrence, reason: `No longer true: ${v.explanation.summary}` });
    if (clearedBy?.period)
      clear({ ruleId: rule.id, until: clearedBy.period.start, reason: `Cleared: ${clearedBy.explanation.summary}` });
  }

  if (clears.length) {
    const resolved = await sql`
      update alert_events e set state = 'resolved', resolved_at = ${now}, resolution = left(u.reason, 300)
        from unnest(${clears.map((c) => c.ruleId)}::uuid[], ${clears.map((c) => c.until)}::date[],
                    ${clears.map((c) => c.keep)}::text[], ${clears.map((c) => c.only)}::text[],
                    ${clears.map((c) => c.reason)}::text[]) as u (rule_id, until, keep, only_one, reason)
       where e.tenant_id = ${opts.tenantId} and e.rule_id = u.rule_id and e.state <> 'resolved'
         and (u.until is null or e.period_start <= u.until)
         and (u.keep is null or e.occurrence <> u.keep)
         and (u.only_one is null or e.occurrence = u.only_one)`.execute(db);
    result.resolved = Number(resolved.numAffectedRows ?? 0);
  }
  if (!candidates.length) return result;

  // What already exists: an open event stays as it is, a resolved one whose condition came back
  // within its period reopens without notifying again (its period was announced once already).
  const existing = await sql<{ ruleId: string; occurrence: string; state: string }>`
    select e.rule_id, e.occurrence, e.state from alert_events e
      join unnest(${candidates.map((c) => c.rule.id)}::uuid[], ${candidates.map((c) => c.verdict.occurrence)}::text[]) as k (rule_id, occurrence)
        on e.rule_id = k.rule_id and e.occurrence = k.occurrence
     where e.tenant_id = ${opts.tenantId}`.execute(db);
  const seen = new Map(existing.rows.map((r) => [`${r.ruleId}|${r.occurrence}`, r.state]));
  const reopen = candidates.filter((c) => seen.get(`${c.rule.id}|${c.verdict.occurrence}`) === 'resolved');
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
  const fresh = candidates.filter((c) => !seen.has(`${c.rule.id}|${c.verdict.occurrence}`));
  if (!fresh.length) return result;

  const notified = await coolDown(db, opts.tenantId, fresh, now);
  const inserted = await db
    .insertInto('alertEvents')
    .values(
      fresh.map((c, i) => ({
        tenantId: opts.tenantId,
        ruleId: c.rule.id,
        occurrence: c.verdict.occurrence,
        grain: c.rule.grain,
        periodStart: c.verdict.period ? sql<Date>`${c.verdict.period.start}::date` : null,
        periodEnd: c.verdict.period ? sql<Date>`${c.verdict.period.end}::date` : null,
        value: c.verdict.value,
        baseline: c.verdict.baseline,
        explanation: c.verdict.explanation as unknown as Json,
        notified: notified[i]!,
        firedAt: now,
      })),
    )
    .onConflict((oc) => oc.columns(['tenantId', 'ruleId', 'occurrence']).doNothing())
    .returning(['id', 'ruleId', 'occurrence', 'notified'])
    .execute();
  result.fired = inserted.length;
  const byKey = new Map(fresh.map((c) => [`${c.rule.id}|${c.verdict.occurrence}`, c]));
  const events: FiredEvent[] = inserted.map((row) => {
    const c = byKey.get(`${row.ruleId}|${row.occurrence}`)!;
    return { id: row.id, rule: c.rule, verdict: c.verdict, notified: row.notified };
  });
  const sent = await fanOut(db, org, events, { now, publicUrl: opts.publicUrl });
  result.notifications = sent.notifications;
  result.emails = sent.emails;
  result.webhooks = sent.webhooks;
  if (sent.webhooksDue) {
    await sql`select graphile_worker.add_job(${DELIVER_TASK}, json_build_object('tenantId', ${opts.tenantId}::text),
        job_key => ${`${DELIVER_TASK}:${opts.tenantId}`}, job_key_mode => 'preserve_run_at', max_attempts => 3)`.execute(
      db,
    );
  }
  return result;
}

/**
 * A rule with a cool-down notifies at most once per cool-down: later events inside it are still
 * recorded (the alert page shows them) but deliver nothing. Earlier periods go first.
 */
async function coolDown(
  db: TenantDb,
  tenantId: string,
  fresh: { rule: LoadedRule; verdict: Verdict }[],
  now: Date,
): Promise<boolean[]> {
  const cooling = [...new Set(fresh.filter((c) => c.rule.cooldownMinutes > 0).map((c) => c.rule.id))];
  const last = new Map<string, number>();
  if (cooling.length) {
    const rows = await db
      .selectFrom('alertEvents')
      .select(['ruleId', (eb) => eb.fn.max('firedAt').as('at')])
      .where('tenantId', '=', tenantId)
      .where('ruleId', 'in', cooling)
      .where('notified', '=', true)
      .groupBy('ruleId')
      .execute();
    for (const r of rows) last.set(r.ruleId, new Date(r.at).getTime());
  }
  const order = fresh
    .map((c, i) => ({ c, i }))
    .sort((a, b) => (a.c.verdict.period?.start ?? '').localeCompare(b.c.verdict.period?.start ?? ''));
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
