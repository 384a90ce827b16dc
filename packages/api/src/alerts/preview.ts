import type { TenantDb } from '@mfiq/db';
import { batchMetricValues } from '../dashboards/values.ts';
import { addDays, periodOf, periodStart, periodsBetween, type Grain, type Period } from '../metrics/periods.ts';
import { targetPeriod, type TargetDef } from '../metrics/targets.ts';
import { selectTargets, toDef } from '../routers/targets/query.ts';
import type { Condition } from './conditions.ts';
import {
  explainVerdict,
  judgePace,
  judgePeriod,
  judgesPartial,
  neededStarts,
  subjectOf,
  type Calendar,
  type EvalRule,
  type RuleMetric,
} from './evaluate.ts';
import { describeCondition, periodLabel } from './explain.ts';
import { periodValues } from './judge.ts';

/** How far back the preview looks. */
const PREVIEW_DAYS = 90;

export interface PreviewResult {
  from: string;
  to: string;
  judged: number;
  fired: { start: string | null; end: string | null; label: string; value: number | null; summary: string }[];
  note: string | null;
}

/**
 * "Would have fired on these periods over the last 90 days", computed from history with the same
 * judging code as the worker: each period of the window judged as the evaluator would have judged
 * it once complete (the current one as it stands, where a partial period may be judged). Cool-down
 * and quiet hours are left out: they change who hears, not what fires.
 */
export async function previewRule(
  db: TenantDb,
  tenantId: string,
  input: { metric: RuleMetric; grain: Grain; condition: Condition },
  cal: Calendar,
): Promise<PreviewResult> {
  const from = addDays(cal.today, -(PREVIEW_DAYS - 1));
  const rule: EvalRule = {
    id: 'preview',
    name: 'Preview',
    grain: input.grain,
    condition: input.condition,
    metric: input.metric,
  };
  const out: PreviewResult = { from, to: cal.today, judged: 0, fired: [], note: null };
  const c = input.condition;
  if (c.kind === 'threshold' || c.kind === 'change' || c.kind === 'anomaly') {
    const periods = periodsBetween(from, cal.today, input.grain, cal.weekStart);
    const current = periodStart(cal.today, input.grain, cal.weekStart);
    const subjects = periods
      .map((p) => subjectOf(p, input.grain, p.start === current))
      .filter((s) => !s.partial || judgesPartial(rule));
    const starts = subjects.flatMap((s) => neededStarts(rule, s.period.start));
    const valueOf = await periodValues(db, tenantId, [input.metric], input.grain, starts);
    for (const s of subjects) {
      const v = judgePeriod(rule, s, (start) => valueOf(input.metric.id, start));
      if (!v) continue;
      out.judged += 1;
      if (v.holds)
        out.fired.push({
          start: s.period.start,
          end: s.period.end,
          label: periodLabel(s.period, input.grain),
          value: v.value,
          summary: explainVerdict(rule, cal, v).summary,
        });
    }
    return out;
  }
  if (c.kind === 'stale') return previewStale(db, tenantId, rule, c, cal, out);
  if (c.kind === 'pace') {
    const targets = (await selectTargets(db, tenantId).where('metricId', '=', input.metric.id).execute()).map(toDef);
    return previewPace(db, tenantId, rule, targets, cal, out);
  }
  return out;
}

/**
 * Stale rules over history. By periods: at the start of each period of the window, the number of
 * whole periods since the last one with data. By hours: at the end of each day, the hours since
 * the latest point of the last day with data, so a gap shorter than a day may go unseen (the note
 * says so). Once per silence, as the worker fires once per last-seen point.
 */
async function previewStale(
  db: TenantDb,
  tenantId: string,
  rule: EvalRule,
  c: Extract<Condition, { kind: 'stale' }>,
  cal: Calendar,
  out: PreviewResult,
): Promise<PreviewResult> {
  const grain: Grain = c.unit === 'hours' ? 'day' : rule.grain;
  const back = c.unit === 'hours' ? Math.ceil(c.count / 24) + 1 : c.count + 1;
  let first = periodStart(out.from, grain, cal.weekStart);
  for (let i = 0; i < back; i++) first = periodOf(addDays(first, -1), grain, cal.weekStart).start;
  const periods = periodsBetween(first, cal.today, grain, cal.weekStart);
  const values = await batchMetricValues(
    db,
    tenantId,
    [rule.metric],
    periods.map((p) => ({ from: p.start, to: p.end })),
  );
  const series = values.get(rule.metric.id) ?? [];
  let last = -1;
  let firedFor: number | null = null;
  periods.forEach((p, i) => {
    if (p.start >= out.from) {
      out.judged += 1;
      const missing = last < 0 ? Infinity : i - last - 1;
      const holds = c.unit === 'hours' ? (missing + 1) * 24 > c.count : missing >= c.count;
      if (holds && missing > 0 && firedFor !== last) {
        firedFor = last;
        const since = last < 0 ? 'had no data' : `had no data since ${periods[last]!.end}`;
        out.fired.push({
          start: p.start,
          end: p.end,
          label: periodLabel(p, grain),
          value: null,
          summary: `${rule.metric.name} ${since}: ${describeCondition(c, rule.grain, rule.metric)}.`,
        });
      }
    }
    if (series[i] !== null) last = i;
  });
  if (c.unit === 'hours') out.note = 'Judged a day at a time: a silence shorter than a day may not show here.';
  return out;
}

/** Pace over history: each day of the window as "today", once per target period. */
async function previewPace(
  db: TenantDb,
  tenantId: string,
  rule: EvalRule,
  targets: TargetDef[],
  cal: Calendar,
  out: PreviewResult,
): Promise<PreviewResult> {
  const days = periodsBetween(out.from, cal.today, 'day', cal.weekStart).map((d) => d.start);
  const plan: { day: string; target: TargetDef; period: Period }[] = [];
  for (const day of days)
    for (const t of targets) {
      if (t.kind === 'recurring' && t.grain !== rule.grain) continue;
      const period = targetPeriod(t, day, cal.weekStart);
      if (period && day <= period.end) plan.push({ day, target: t, period });
    }
  if (!plan.length) {
    out.note = 'This metric has no target of this grain over the last 90 days.';
    return out;
  }
  const values = await batchMetricValues(
    db,
    tenantId,
    [rule.metric],
    plan.map((p) => ({ from: p.period.start, to: p.day })),
  );
  const series = values.get(rule.metric.id) ?? [];
  const seen = new Set<string>();
  plan.forEach((p, i) => {
    const v = judgePace(
      rule,
      { ...cal, today: p.day },
      { target: p.target, period: p.period, actual: series[i] ?? null },
    );
    if (!v) return;
    out.judged += 1;
    if (v.holds && !seen.has(v.occurrence)) {
      seen.add(v.occurrence);
      out.fired.push({
        start: p.period.start,
        end: p.period.end,
        label: `${p.period.start} to ${p.period.end} (on ${p.day})`,
        value: v.value,
        summary: explainVerdict(rule, { ...cal, today: p.day }, v).summary,
      });
    }
  });
  return out;
}
