import type { Aggregation } from '../metrics/aggregate.ts';
import {
  addDays,
  daysBetween,
  dayNumber,
  periodStart,
  shiftPeriod,
  yearAgoStart,
  type Grain,
  type Period,
} from '../metrics/periods.ts';
import type { TargetDef } from '../metrics/targets.ts';
import type { Condition } from './conditions.ts';
import {
  describeCondition,
  formatNumber,
  metricLink,
  periodLabel,
  plural,
  type Explanation,
  type MetricLabel,
} from './explain.ts';

/**
 * Judging one rule, without the database: given the metric's values per period (or its last data,
 * or its targets), each verdict says whether the condition holds for one occurrence and whether
 * that answer is final. The engine turns verdicts into events; the preview runs the same code over
 * history. Semantics (docs/decisions/0110-alert-evaluation.md):
 *
 * - Period rules (threshold, change, anomaly) look at the current period and the one before it.
 *   A sum or count grows through its period, so on a partial period only "it got too high" is
 *   final; "too low", "down" and anomalies wait until the period is complete.
 * - A missing value decides nothing (no data is the stale rule's business).
 */
export interface RuleMetric extends MetricLabel {
  id: string;
  aggregation: Aggregation;
  direction: 'higher' | 'lower';
  formula: string | null;
}

export interface EvalRule {
  id: string;
  name: string;
  grain: Grain;
  condition: Condition;
  metric: RuleMetric;
}

/** What a verdict carries to be explained later: nothing is written out while judging. */
type Detail =
  | { kind: 'threshold' }
  | { kind: 'change'; against: number; change: number; delta: number }
  | { kind: 'anomaly'; low: number; high: number; median: number; mad: number; periods: number }
  | { kind: 'stale'; last: { ts: Date; day: string } | null; hours: number | null; missing: number | null }
  | { kind: 'pace'; actual: number; elapsed: number; total: number; complete: boolean };

export interface Verdict {
  /** The event's identity within its rule: the same occurrence never fires twice. */
  occurrence: string;
  period: Period | null;
  partial: boolean;
  holds: boolean;
  /** False when a later value could still change the answer (a partial period's sum). */
  definite: boolean;
  value: number | null;
  baseline: number | null;
  detail: Detail;
}

export interface Calendar {
  slug: string;
  timezone: string;
  weekStart: number;
  /** Local date of `now` in the organization's timezone. */
  today: string;
  now: Date;
}

/** Values of the rule's metric per period start of its grain; undefined: not loaded (a bug). */
export type PeriodValues = (start: string) => number | null;

/** Plain sums and counts accumulate through a period; averages, extremes, last values and formulas are levels. */
const accumulates = (m: Pick<RuleMetric, 'aggregation' | 'formula'>) =>
  !m.formula && (m.aggregation === 'sum' || m.aggregation === 'count');

/** Whether a partial period may be judged at all: "too low" on a growing sum is not news yet. */
export function judgesPartial(rule: EvalRule): boolean {
  if (!accumulates(rule.metric)) return true;
  const c = rule.condition;
  return (c.kind === 'threshold' && c.op === 'above') || (c.kind === 'change' && c.direction === 'up');
}

/** The periods a period rule judges on `today`: the one before the current one, then the current one. */
export interface Subject {
  period: Period;
  partial: boolean;
  /** `<grain>:<start>`, the occurrence of a period rule's event for this period. */
  occurrence: string;
}

export const subjectOf = (period: Period, grain: Grain, partial: boolean): Subject => ({
  period,
  partial,
  occurrence: `${grain}:${period.start}`,
});

export function subjectPeriods(grain: Grain, weekStart: number, today: string): Subject[] {
  const current = periodStart(today, grain, weekStart);
  const previous = shiftPeriod(current, grain, -1);
  return [
    subjectOf({ start: previous, end: addDays(current, -1) }, grain, false),
    subjectOf({ start: current, end: addDays(shiftPeriod(current, grain, 1), -1) }, grain, true),
  ];
}

/** Period starts whose values a period rule needs to judge `subject` (itself, its comparison, its window). */
export function neededStarts(rule: EvalRule, subject: string): string[] {
  const c = rule.condition;
  const g = rule.grain;
  switch (c.kind) {
    case 'threshold':
      return [subject];
    case 'change':
      return [subject, c.compareTo === 'previous' ? shiftPeriod(subject, g, -1) : yearAgoStart(subject, g)];
    case 'anomaly':
      return [subject, ...Array.from({ length: c.window }, (_, i) => shiftPeriod(subject, g, -(i + 1)))];
    case 'stale':
    case 'pace':
      return [];
  }
}

function median(sorted: number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median and median absolute deviation of the values (the robust band's centre and spread). */
function robustBand(history: number[], k: number) {
  const sorted = [...history].sort((a, b) => a - b);
  const med = median(sorted);
  const mad = median(history.map((x) => Math.abs(x - med)).sort((a, b) => a - b));
  return { median: med, mad, low: med - k * mad, high: med + k * mad };
}

const pct = (v: number) => `${formatNumber(Math.round(v * 100) / 100, { unit: 'number', currency: null })} %`;

function base(rule: EvalRule, cal: Calendar, period: Period | null, partial: boolean) {
  const m = rule.metric;
  return {
    rule: {
      id: rule.id,
      name: rule.name,
      kind: rule.condition.kind,
      condition: describeCondition(rule.condition, rule.grain, m),
    },
    metric: { key: m.key, name: m.name },
    period: period ? { grain: rule.grain, ...period, label: periodLabel(period, rule.grain), partial } : null,
    link: metricLink(cal.slug, m.key, rule.grain, period, cal.today),
  };
}

/**
 * Judges a threshold, change or anomaly rule on one period. Null: no value, nothing to decide.
 * Judging allocates one small object per verdict and no function: it runs for every rule after
 * every write, while explanations are written only for what fires or clears (explainVerdict).
 */
export function judgePeriod(rule: EvalRule, subject: Subject, valueAt: PeriodValues): Verdict | null {
  const { period, partial, occurrence } = subject;
  const c = rule.condition;
  const value = valueAt(period.start);
  if (value === null) return null;
  const grows = accumulates(rule.metric);
  switch (c.kind) {
    case 'threshold': {
      const holds = c.op === 'above' ? value > c.value : value < c.value;
      return {
        occurrence,
        period,
        partial,
        holds,
        definite: !partial || !grows || holds,
        value,
        baseline: c.value,
        detail: { kind: 'threshold' },
      };
    }
    case 'change': {
      const against = valueAt(
        c.compareTo === 'previous' ? shiftPeriod(period.start, rule.grain, -1) : yearAgoStart(period.start, rule.grain),
      );
      if (against === null) return null;
      if (c.unit === 'percent' && against === 0) return null;
      const delta = value - against;
      const change = c.unit === 'percent' ? (delta / Math.abs(against)) * 100 : delta;
      const holds = c.direction === 'up' ? change > c.by : change < -c.by;
      return {
        occurrence,
        period,
        partial,
        holds,
        definite: !partial || !grows || holds,
        value,
        baseline: against,
        detail: { kind: 'change', against, change, delta },
      };
    }
    case 'anomaly': {
      const history: number[] = [];
      for (let i = 1; i <= c.window; i++) {
        const h = valueAt(shiftPeriod(period.start, rule.grain, -i));
        if (h !== null) history.push(h);
      }
      if (history.length < c.minHistory) return null;
      const band = robustBand(history, c.k);
      const holds = band.mad === 0 ? value !== band.median : value < band.low || value > band.high;
      return {
        occurrence,
        period,
        partial,
        holds,
        definite: true,
        value,
        baseline: band.median,
        detail: { kind: 'anomaly', ...band, periods: history.length },
      };
    }
    case 'stale':
    case 'pace':
      return null;
  }
}

/** Whole periods of `grain` strictly between the period holding `from` and the period holding `to`. */
function periodsBetween(from: string, to: string, grain: Grain, weekStart: number): number {
  const a = periodStart(from, grain, weekStart);
  const b = periodStart(to, grain, weekStart);
  switch (grain) {
    case 'day':
      return daysBetween(a, b) - 1;
    case 'week':
      return Math.round((dayNumber(b) - dayNumber(a)) / 7) - 1;
    case 'month':
    case 'quarter': {
      const months = (d: string) => Number(d.slice(0, 4)) * 12 + Number(d.slice(5, 7));
      return (months(b) - months(a)) / (grain === 'month' ? 1 : 3) - 1;
    }
  }
}

/**
 * Judges a stale rule: no data since `last` (the metric's latest point; for a formula the oldest of
 * its parts' latest points, since it is only as fresh as its stalest part). The occurrence is the
 * data it went stale after, so new data resolves it and a later silence fires again.
 */
export function judgeStale(rule: EvalRule, cal: Calendar, last: { ts: Date; day: string } | null): Verdict | null {
  const c = rule.condition;
  if (c.kind !== 'stale') return null;
  let holds = true;
  let hours: number | null = null;
  let missing: number | null = null;
  if (last && c.unit === 'hours') {
    hours = (cal.now.getTime() - last.ts.getTime()) / 3_600_000;
    holds = hours > c.count;
  } else if (last) {
    missing = periodsBetween(last.day, cal.today, rule.grain, cal.weekStart);
    holds = missing >= c.count;
  }
  return {
    occurrence: `stale:${last ? last.ts.toISOString() : 'never'}`,
    period: null,
    partial: false,
    holds,
    definite: true,
    value: null,
    baseline: c.count,
    detail: { kind: 'stale', last, hours, missing },
  };
}

export interface PaceInput {
  target: TargetDef;
  period: Period;
  /** The metric's value from the period's start up to today (null: no data). */
  actual: number | null;
}

/**
 * Judges a pace rule on one target in effect: the period's forecast (the existing pace: sums and
 * counts extrapolate the elapsed days, levels are their value so far) against the target, once
 * enough of the period has passed for a forecast to mean something.
 */
export function judgePace(rule: EvalRule, cal: Calendar, input: PaceInput): Verdict | null {
  const c = rule.condition;
  if (c.kind !== 'pace') return null;
  const m = rule.metric;
  const { period, target } = input;
  const total = daysBetween(period.start, period.end) + 1;
  const complete = cal.today >= period.end;
  const elapsed = complete ? total : daysBetween(period.start, cal.today) + 1;
  if ((elapsed / total) * 100 < c.minElapsed) return null;
  const grows = accumulates(m);
  const actual = input.actual ?? (grows ? 0 : null);
  if (actual === null) return null;
  const forecast = grows && !complete ? (actual * total) / elapsed : actual;
  const margin = (Math.abs(target.value) * c.missBy) / 100;
  const holds = m.direction === 'higher' ? forecast < target.value - margin : forecast > target.value + margin;
  return {
    occurrence: `pace:${target.id}:${period.start}`,
    period,
    partial: !complete,
    holds,
    definite: true,
    value: forecast,
    baseline: target.value,
    detail: { kind: 'pace', actual, elapsed, total, complete },
  };
}

/** A verdict in words, with what it was compared with and where to look: what events store and show. */
export function explainVerdict(rule: EvalRule, cal: Calendar, v: Verdict): Explanation {
  const m = rule.metric;
  const c = rule.condition;
  const d = v.detail;
  const out = { ...base(rule, cal, v.period, v.partial), value: v.value, valueText: formatNumber(v.value, m) };
  const label = v.period ? periodLabel(v.period, rule.grain) : '';
  const sofar = v.partial ? ' so far' : '';
  const val = formatNumber(v.value, m);
  if (d.kind === 'threshold' && c.kind === 'threshold') {
    const t = formatNumber(c.value, m);
    return {
      ...out,
      summary: v.holds
        ? `${m.name} was ${val} in ${label}${sofar}, ${c.op} the threshold of ${t}.`
        : `${m.name} was ${val} in ${label}${sofar}, not ${c.op} ${t}.`,
      comparedWith: { label: 'threshold', value: c.value, text: t },
    };
  }
  if (d.kind === 'change' && c.kind === 'change') {
    const what = c.compareTo === 'previous' ? 'the previous period' : 'the same period a year earlier';
    const moved = c.unit === 'percent' ? pct(d.change) : formatNumber(d.delta, m);
    const allowed = c.unit === 'percent' ? `${c.by} %` : formatNumber(c.by, m);
    return {
      ...out,
      summary: `${m.name} was ${val} in ${label}${sofar} against ${formatNumber(d.against, m)} in ${what}: ${
        d.change >= 0 ? 'up' : 'down'
      } ${moved.replace(/^-/, '')}${v.holds ? `, more than the ${allowed} the rule allows.` : '.'}`,
      comparedWith: {
        label: c.compareTo === 'previous' ? 'previous period' : 'same period a year earlier',
        value: d.against,
        text: formatNumber(d.against, m),
      },
    };
  }
  if (d.kind === 'anomaly') {
    const range = `${formatNumber(d.low, m)} to ${formatNumber(d.high, m)}`;
    return {
      ...out,
      summary: v.holds
        ? `${m.name} was ${val} in ${label}${sofar}, outside the usual range of ${range} (median ${formatNumber(d.median, m)} of the previous ${plural(d.periods, rule.grain)} with data).`
        : `${m.name} was ${val} in ${label}${sofar}, within the usual range of ${range}.`,
      comparedWith: { label: 'usual range', value: d.median, text: range },
      band: { low: d.low, high: d.high, median: d.median, mad: d.mad, periods: d.periods },
    };
  }
  if (d.kind === 'stale' && c.kind === 'stale') {
    const gap = !d.last
      ? 'has no data yet'
      : d.hours !== null
        ? `last had data at ${d.last.ts.toISOString().slice(0, 16).replace('T', ' ')} UTC, ${formatNumber(Math.floor(d.hours * 10) / 10, { unit: 'number', currency: null })} hours ago`
        : `last had data on ${d.last.day}, ${d.missing! <= 0 ? 'in the current or previous period' : `${plural(d.missing!, rule.grain)} without data since`}`;
    return {
      ...out,
      summary: v.holds ? `${m.name} ${gap}: ${describeCondition(c, rule.grain, m)}.` : `${m.name} ${gap}.`,
      valueText: d.last ? `last data ${d.last.ts.toISOString()}` : 'no data',
      comparedWith: {
        label: c.unit === 'hours' ? 'hours allowed' : 'periods allowed',
        value: c.count,
        text: String(c.count),
      },
    };
  }
  if (d.kind === 'pace' && c.kind === 'pace' && v.period) {
    const target = v.baseline!;
    const forecast = v.value!;
    const share = target === 0 ? null : (forecast / target) * 100;
    const t = formatNumber(target, m);
    const range = `${v.period.start} to ${v.period.end}`;
    return {
      ...out,
      period: { grain: rule.grain, ...v.period, label: range, partial: !d.complete },
      summary: `${m.name} is on pace for ${formatNumber(forecast, m)}${share === null ? '' : ` (${pct(share)} of target)`} in ${range} against a target of ${t}${
        v.holds ? `: a miss of more than ${c.missBy} %.` : '.'
      } ${d.complete ? 'The period is over.' : `${d.elapsed} of ${d.total} days have passed; ${formatNumber(d.actual, m)} so far.`}`,
      valueText: `forecast ${formatNumber(forecast, m)}`,
      comparedWith: { label: 'target', value: target, text: t },
    };
  }
  return { ...out, summary: `${m.name}: ${describeCondition(c, rule.grain, m)}.`, comparedWith: null };
}

const periodKey = (v: Verdict) => v.period?.start ?? '';
const byPeriod = (a: Verdict, b: Verdict) => (periodKey(a) < periodKey(b) ? -1 : periodKey(a) > periodKey(b) ? 1 : 0);

/**
 * What the engine does with one rule's verdicts. A verdict that no longer holds resolves its own
 * occurrence (a correction); the latest final one also clears every open event up to its period
 * (the metric is back to normal). Occurrences after it that hold fire, once each (the database
 * refuses a second). A breach older than a clear is not news any more.
 */
export interface Decision {
  fire: readonly Verdict[];
  lapsed: readonly Verdict[];
  clearedBy: Verdict | null;
}

const NONE: readonly Verdict[] = [];
const NOTHING: Decision = { fire: NONE, lapsed: NONE, clearedBy: null };

export function decide(verdicts: Verdict[]): Decision {
  if (!verdicts.length) return NOTHING;
  const sorted = verdicts.length < 2 ? verdicts : [...verdicts].sort(byPeriod);
  let clearedBy: Verdict | null = null;
  for (const v of sorted) if (!v.holds && v.definite) clearedBy = v;
  const after = clearedBy ? periodKey(clearedBy) : null;
  let fire: Verdict[] | null = null;
  let lapsed: Verdict[] | null = null;
  for (const v of sorted) {
    if (v.holds) {
      if (after === null || periodKey(v) > after) (fire ??= []).push(v);
    } else if (v !== clearedBy) (lapsed ??= []).push(v);
  }
  return { fire: fire ?? NONE, lapsed: lapsed ?? NONE, clearedBy };
}
