import { sql, type TenantDb } from '@mfiq/db';
import { batchMetricValues } from '../dashboards/values.ts';
import type { MetricDef } from '../metrics/aggregate.ts';
import { addDays, shiftPeriod, type Grain, type Period } from '../metrics/periods.ts';
import { targetPeriod, type TargetDef } from '../metrics/targets.ts';
import { selectTargets, toDef } from '../routers/targets/query.ts';
import {
  judgePace,
  judgePeriod,
  judgeStale,
  judgesPartial,
  neededStarts,
  subjectPeriods,
  type Calendar,
  type EvalRule,
  type Verdict,
} from './evaluate.ts';
import { groupBy } from './group.ts';

const defOf = (r: EvalRule): MetricDef => ({
  id: r.metric.id,
  key: r.metric.key,
  aggregation: r.metric.aggregation,
  formula: r.metric.formula,
});

function distinctMetrics(rules: EvalRule[]): MetricDef[] {
  const byId = new Map<string, MetricDef>();
  for (const r of rules) byId.set(r.metric.id, defOf(r));
  return [...byId.values()];
}

/**
 * Values of the rules' metrics for whole periods of one grain, by period start, in a fixed number of
 * statements whatever the number of rules (the dashboards' batched read: formulas per period from
 * their parts' aggregates, same semantics as metrics.series).
 */
export async function periodValues(
  db: TenantDb,
  tenantId: string,
  metrics: MetricDef[],
  grain: Grain,
  starts: Iterable<string>,
): Promise<(metricId: string, start: string) => number | null> {
  const sorted = [...new Set(starts)].sort();
  const index = new Map(sorted.map((s, i) => [s, i]));
  const buckets = sorted.map((s) => ({ from: s, to: addDays(shiftPeriod(s, grain, 1), -1) }));
  const values = await batchMetricValues(db, tenantId, metrics, buckets);
  return (metricId, start) => {
    const i = index.get(start);
    if (i === undefined) throw new Error(`period ${start} was not loaded`);
    return values.get(metricId)?.[i] ?? null;
  };
}

async function judgePeriodRules(
  db: TenantDb,
  tenantId: string,
  rules: EvalRule[],
  cal: Calendar,
  out: Map<string, Verdict[]>,
) {
  const byGrain = groupBy(rules, (r) => r.grain);
  for (const [grain, group] of byGrain) {
    const subjects = subjectPeriods(grain, cal.weekStart, cal.today);
    // The periods to read depend on a rule's shape only (kind, comparison, window): worked out once per shape.
    const starts = new Set<string>();
    const shapes = new Set<string>();
    for (const r of group) {
      const c = r.condition;
      const shape = `${c.kind}|${c.kind === 'change' ? c.compareTo : c.kind === 'anomaly' ? c.window : ''}|${judgesPartial(r)}`;
      if (shapes.has(shape)) continue;
      shapes.add(shape);
      for (const s of subjects)
        if (!s.partial || judgesPartial(r)) for (const start of neededStarts(r, s.period.start)) starts.add(start);
    }
    const valueOf = await periodValues(db, tenantId, distinctMetrics(group), grain, starts);
    for (const r of group) {
      const verdicts: Verdict[] = [];
      for (const s of subjects) {
        if (s.partial && !judgesPartial(r)) continue;
        const v = judgePeriod(r, s, (start) => valueOf(r.metric.id, start));
        if (v) verdicts.push(v);
      }
      out.set(r.id, verdicts);
    }
  }
}

/** Targets of a pace rule: recurring ones of its grain and fixed ones, in effect today and not over. */
function paceTargets(rule: EvalRule, targets: TargetDef[], cal: Calendar): { target: TargetDef; period: Period }[] {
  const out: { target: TargetDef; period: Period }[] = [];
  for (const t of targets) {
    if (t.kind === 'recurring' && t.grain !== rule.grain) continue;
    if (t.kind === 'fixed' && t.endsOn !== null && t.endsOn < cal.today) continue;
    const period = targetPeriod(t, cal.today, cal.weekStart);
    if (period) out.push({ target: t, period });
  }
  return out;
}

async function judgePaceRules(
  db: TenantDb,
  tenantId: string,
  rules: EvalRule[],
  cal: Calendar,
  out: Map<string, Verdict[]>,
) {
  const metricIds = [...new Set(rules.map((r) => r.metric.id))];
  const rows = await selectTargets(db, tenantId).where('metricId', 'in', metricIds).execute();
  const targetsOf = groupBy(rows, (r) => r.metricId);
  const plans = rules.map((r) => ({
    rule: r,
    items: paceTargets(r, (targetsOf.get(r.metric.id) ?? []).map(toDef), cal),
  }));
  const bucketKey = (p: Period) => `${p.start}|${p.end < cal.today ? p.end : cal.today}`;
  const keys = [...new Set(plans.flatMap((p) => p.items.map((i) => bucketKey(i.period))))];
  const index = new Map(keys.map((k, i) => [k, i]));
  const values = keys.length
    ? await batchMetricValues(
        db,
        tenantId,
        distinctMetrics(rules),
        keys.map((k) => ({ from: k.slice(0, 10), to: k.slice(11) })),
      )
    : new Map<string, (number | null)[]>();
  for (const { rule, items } of plans) {
    const verdicts: Verdict[] = [];
    for (const { target, period } of items) {
      const actual = values.get(rule.metric.id)?.[index.get(bucketKey(period))!] ?? null;
      const v = judgePace(rule, cal, { target, period, actual });
      if (v) verdicts.push(v);
    }
    out.set(rule.id, verdicts);
  }
}

/**
 * The latest data of each metric: the last point of its latest local day with data, read backwards
 * on the rollups' primary key (one short index range per metric). A formula is as fresh as its
 * stalest part, and has no data while any part has none.
 */
async function lastData(
  db: TenantDb,
  tenantId: string,
  rules: EvalRule[],
  parts: Map<string, string[]>,
): Promise<Map<string, { ts: Date; day: string } | null>> {
  const plainIds = new Set<string>();
  for (const r of rules) {
    if (r.metric.formula) for (const id of parts.get(r.metric.id) ?? []) plainIds.add(id);
    else plainIds.add(r.metric.id);
  }
  const { rows } = plainIds.size
    ? await sql<{ metricId: string; lastTs: Date; day: string }>`
        select m.id as metric_id, r.last_ts, r.day::text as day
          from unnest(${[...plainIds]}::uuid[]) as m (id)
          cross join lateral (
            select last_ts, day from metric_daily_rollups
             where tenant_id = ${tenantId} and metric_id = m.id order by day desc limit 1) r`.execute(db)
    : { rows: [] };
  const latest = new Map(rows.map((r) => [r.metricId, { ts: r.lastTs, day: r.day }]));
  const out = new Map<string, { ts: Date; day: string } | null>();
  for (const r of rules) {
    const ids = r.metric.formula ? (parts.get(r.metric.id) ?? []) : [r.metric.id];
    let oldest: { ts: Date; day: string } | null = null;
    let missing = ids.length === 0;
    for (const id of ids) {
      const l = latest.get(id);
      if (!l) missing = true;
      else if (!oldest || l.ts < oldest.ts) oldest = l;
    }
    out.set(r.metric.id, missing ? null : oldest);
  }
  return out;
}

/** Every rule's verdicts at `cal.now`, by rule id, with a fixed number of statements per kind and grain. */
export async function judgeRules(
  db: TenantDb,
  tenantId: string,
  rules: EvalRule[],
  cal: Calendar,
  /** The plain metrics each formula metric reads (see formulaParts). */
  parts: Map<string, string[]>,
): Promise<Map<string, Verdict[]>> {
  const out = new Map<string, Verdict[]>();
  const kind = (k: EvalRule['condition']['kind'][]) => rules.filter((r) => k.includes(r.condition.kind));
  const periodic = kind(['threshold', 'change', 'anomaly']);
  if (periodic.length) await judgePeriodRules(db, tenantId, periodic, cal, out);
  const pace = kind(['pace']);
  if (pace.length) await judgePaceRules(db, tenantId, pace, cal, out);
  const stale = kind(['stale']);
  if (stale.length) {
    const last = await lastData(db, tenantId, stale, parts);
    for (const r of stale) {
      const v = judgeStale(r, cal, last.get(r.metric.id) ?? null);
      out.set(r.id, v ? [v] : []);
    }
  }
  return out;
}
