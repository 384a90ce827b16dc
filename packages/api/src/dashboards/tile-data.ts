import { createHash } from 'node:crypto';
import type { TenantDb } from '@mfiq/db';
import type { MetricDef } from '../metrics/aggregate.ts';
import { daysBetween, periodsBetween, type Grain, type Period } from '../metrics/periods.ts';
import { statusOf, targetPeriod, type TargetDef, type TargetStatus } from '../metrics/targets.ts';
import type { DateRange, ResolvedRange } from './ranges.ts';
import { BoundedCache, cacheWork } from './rollup-cache.ts';
import { readMetricData, valuesOf, type MetricData } from './values.ts';

export interface TileMetric extends MetricDef {
  direction: 'higher' | 'lower';
  targets: TargetDef[];
}

export interface TilePoint {
  start: string;
  end: string;
  /** The period reaches past the range's end (today): its value is so far. */
  partial: boolean;
  value: number | null;
  /** The period at the same index of the previous range ("previous period" overlay). */
  previous: number | null;
  /** The target for this period, prorated by days for sums and counts; null without a target. */
  target: number | null;
}

interface TileTarget {
  period: Period;
  complete: boolean;
  actual: number | null;
  target: number;
  attainment: number | null;
  forecast: number | null;
  forecastAttainment: number | null;
  status: TargetStatus;
}

export interface MetricSeries {
  /** The metric over the whole range, and over the previous range. */
  total: number | null;
  previousTotal: number | null;
  change: number | null;
  points: TilePoint[];
  target: TileTarget | null;
}

const accumulates = (m: MetricDef) => !m.formula && (m.aggregation === 'sum' || m.aggregation === 'count');

function change(value: number | null, base: number | null): number | null {
  if (value === null || base === null || base === 0) return null;
  return (value - base) / Math.abs(base);
}

/** The target's period containing `day`, or null when no target is in effect that day. */
function targetFor(m: TileMetric, day: string, weekStart: number): { t: TargetDef; period: Period } | null {
  for (const t of m.targets) {
    const period = targetPeriod(t, day, weekStart);
    if (period && !(t.kind === 'fixed' && day > period.end)) return { t, period };
  }
  return null;
}

/** One view of a dashboard's data: its range (with the range it is compared with), grain and metrics. */
export interface SeriesSpec {
  range: ResolvedRange;
  grain: Grain;
  metrics: TileMetric[];
}

/** A point's share of the memory its series takes, for the cache's bound (a little more than measured). */
const POINT_BYTES = 160;

/** Series computed for one metric in one view, kept between requests (see seriesKeys): 64 MB. */
const seriesCache = new BoundedCache<MetricSeries>(64 * 1024 * 1024, (s) => 512 + s.points.length * POINT_BYTES);

/**
 * Per view and metric, everything its series depends on, hashed: the tenant, its week start, the
 * view's ranges and grain, the metric (aggregation, formula, direction, targets) and its data: for
 * a plain metric its own data revision, for a formula the formula graph as read (every part's
 * aggregation and formula) and the revision of every plain metric read. Null when one of those has
 * no revision yet (never cached). Timezone is in the ranges (today) and in the data (a timezone
 * change rebuilds the rollups, which moves every revision). Keyed per metric, so a write to one
 * metric computes again only its own series and the formulas', not the whole dashboard's.
 */
function seriesKeys(tenantId: string, weekStart: number, specs: SeriesSpec[], data: MetricData): (string | null)[][] {
  const revisionOf = (id: string) => data.read.days.get(id)?.revision ?? null;
  let graph: string | null | undefined;
  const formulaData = () => {
    if (graph !== undefined) return graph;
    const revisions: [string, string][] = [];
    for (const p of data.plain) {
      const revision = revisionOf(p.id);
      if (!revision) return (graph = null);
      revisions.push([p.id, revision]);
    }
    const defs = [...data.defs.values()].map((d) => [d.id, d.key, d.aggregation, d.formula]);
    return (graph = JSON.stringify([defs, revisions]));
  };
  return specs.map((spec) => {
    const view = JSON.stringify([tenantId, weekStart, spec.range, spec.grain]);
    return spec.metrics.map((m) => {
      // A plain metric is read under its own id (readMetricData's plain list holds its definition).
      const dataKey = m.formula ? formulaData() : revisionOf(m.id);
      if (!dataKey) return null;
      const metric = JSON.stringify([m.id, m.key, m.aggregation, m.formula, m.direction, m.targets]);
      return createHash('sha256').update(view).update(metric).update(dataKey).digest('base64');
    });
  });
}

/** Series handed to several requests are read-only: a change would show up in another's answer. */
function freeze(s: MetricSeries): MetricSeries {
  for (const p of s.points) Object.freeze(p);
  Object.freeze(s.points);
  if (s.target) Object.freeze(Object.freeze(s.target).period);
  return Object.freeze(s);
}

/**
 * Everything a dashboard's tiles show, for all its views at once: each metric by grain over its
 * view's range with the compared range's periods beside it, the range totals, per-period targets
 * and the progress of the target in effect at the range's end. Tiles mostly share the dashboard's
 * view; a tile with its own range, grain or comparison adds a view. One batched read of the
 * daily rollups serves every view and tile (see readMetricData), so the cost does not grow with
 * tile count in round trips. A dashboard loaded again with nothing changed (no write to its
 * metrics, same views, definitions and targets) gets the series computed the first time; after a
 * write, only the written metrics' series (and the formulas') are computed again.
 * Returns, per spec (same order), each metric's series by metric id; the series are frozen.
 */
export async function dashboardSeries(
  db: TenantDb,
  cal: { tenantId: string; weekStart: number },
  specs: SeriesSpec[],
): Promise<Map<string, MetricSeries>[]> {
  // Buckets are deduplicated by their days: a range shared by several uses is aggregated once.
  const index = new Map<string, number>();
  const buckets: DateRange[] = [];
  const add = (from: string, to: string) => {
    const k = `${from}|${to}`;
    let i = index.get(k);
    if (i === undefined) {
      i = buckets.length;
      index.set(k, i);
      buckets.push({ from, to });
    }
    return i;
  };
  const plans = specs.map((spec) => planSpec(spec, cal.weekStart, add));
  const all = new Map<string, TileMetric>();
  for (const spec of specs) for (const m of spec.metrics) all.set(m.id, m);
  const roots = [...all.values()];
  const data = await readMetricData(db, cal.tenantId, roots, buckets);
  const keys = seriesKeys(cal.tenantId, cal.weekStart, specs, data);
  const kept = keys.map((row) => row.map((k) => (k ? seriesCache.get(k) : undefined)));
  const missing = new Map<string, TileMetric>();
  specs.forEach((spec, i) => spec.metrics.forEach((m, j) => kept[i]![j] || missing.set(m.id, m)));
  if (!missing.size) cacheWork.seriesHits += 1;
  else cacheWork.seriesMisses += 1;
  cacheWork.seriesComputed += missing.size;
  // Only the metrics not kept are computed, over only the plain metrics they read (a formula may
  // read any of them).
  let values: Map<string, (number | null)[]> = new Map();
  if (missing.size) {
    const need = [...missing.values()];
    const plainKeys = new Set(need.map((m) => m.key));
    const plain = need.some((m) => m.formula) ? data.plain : data.plain.filter((p) => plainKeys.has(p.key));
    values = valuesOf({ ...data, plain }, need, buckets);
  }
  return specs.map((spec, i) => {
    const out = new Map<string, MetricSeries>();
    const compute = spec.metrics.filter((_, j) => !kept[i]![j]);
    const computed = compute.length
      ? seriesOf({ ...spec, metrics: compute }, plans[i]!, values, cal.weekStart)
      : new Map<string, MetricSeries>();
    spec.metrics.forEach((m, j) => {
      let series = kept[i]![j];
      if (!series) {
        series = freeze(computed.get(m.id)!);
        const key = keys[i]![j];
        if (key) seriesCache.set(key, series);
      }
      out.set(m.id, series);
    });
    return out;
  });
}

type Plan = ReturnType<typeof planSpec>;

/** The buckets one view needs (registered through `add`), by index. */
function planSpec(spec: SeriesSpec, weekStart: number, add: (from: string, to: string) => number) {
  const { current, previous } = spec.range;
  const periods = periodsBetween(current.from, current.to, spec.grain, weekStart, 1000);
  const prevPeriods = periodsBetween(previous.from, previous.to, spec.grain, weekStart, 1000);
  const totalAt = add(current.from, current.to);
  const previousTotalAt = add(previous.from, previous.to);
  // Periods are clipped to their range: a period the range cuts (the current one so far, or one
  // that starts before a custom range) holds only the range's days, and is compared with the
  // previous range's period at the same distance from the end, clipped the same way.
  const clip = (p: Period, r: DateRange): Period => ({
    start: p.start > r.from ? p.start : r.from,
    end: p.end < r.to ? p.end : r.to,
  });
  const cur = periods.map((p) => clip(p, current));
  const prev = prevPeriods.map((p) => clip(p, previous));
  const offset = prev.length - cur.length;
  const curAt = cur.map((p) => add(p.start, p.end));
  const prevAt = prev.map((p) => add(p.start, p.end));
  const asOf = current.to;
  const progressOf = new Map<string, { t: TargetDef; period: Period; at: number }>();
  for (const m of spec.metrics) {
    const hit = targetFor(m, asOf, weekStart);
    if (hit) progressOf.set(m.id, { ...hit, at: add(hit.period.start, asOf < hit.period.end ? asOf : hit.period.end) });
  }
  return { periods, cur, offset, curAt, prevAt, totalAt, previousTotalAt, asOf, progressOf };
}

function seriesOf(
  spec: SeriesSpec,
  plan: Plan,
  values: Map<string, (number | null)[]>,
  weekStart: number,
): Map<string, MetricSeries> {
  const { periods, cur, offset, curAt, prevAt, totalAt, previousTotalAt, asOf, progressOf } = plan;
  const out = new Map<string, MetricSeries>();
  const lengths = periods.map((p) => daysBetween(p.start, p.end) + 1);
  // What every metric's points share, worked out once per view: a dashboard of four-metric tiles
  // builds tens of thousands of points, and this loop is most of the work left once the days are read.
  const count = cur.length;
  const partial = cur.map((p, i) => p.start !== periods[i]!.start || p.end !== periods[i]!.end);
  const prevOf = cur.map((_, i) => prevAt[i + offset] ?? -1);
  for (const m of spec.metrics) {
    const v = values.get(m.id)!;
    const total = v[totalAt] ?? null;
    const previousTotal = v[previousTotalAt] ?? null;
    const points = new Array<TilePoint>(count);
    const withTargets = m.targets.length > 0;
    for (let i = 0; i < count; i++) {
      const whole = periods[i]!;
      let target: number | null = null;
      if (withTargets) {
        const hit = targetFor(m, cur[i]!.start, weekStart);
        if (hit) {
          const targetDays = daysBetween(hit.period.start, hit.period.end) + 1;
          target = accumulates(m) ? (hit.t.value * lengths[i]!) / targetDays : hit.t.value;
        }
      }
      const pp = prevOf[i]!;
      points[i] = {
        start: whole.start,
        end: whole.end,
        partial: partial[i]!,
        value: v[curAt[i]!] ?? null,
        previous: pp < 0 ? null : (v[pp] ?? null),
        target,
      };
    }
    let target: TileTarget | null = null;
    const hit = progressOf.get(m.id);
    if (hit) {
      const { t, period } = hit;
      const totalDays = daysBetween(period.start, period.end) + 1;
      const complete = asOf >= period.end;
      const elapsedDays = complete ? totalDays : daysBetween(period.start, asOf) + 1;
      const actual = v[hit.at] ?? (accumulates(m) ? 0 : null);
      const forecast =
        actual === null ? null : complete || !accumulates(m) ? actual : (actual * totalDays) / elapsedDays;
      const ratio = (x: number | null) => (x === null || t.value === 0 ? null : x / t.value);
      target = {
        period,
        complete,
        actual,
        target: t.value,
        attainment: ratio(actual),
        forecast,
        forecastAttainment: ratio(forecast),
        status: statusOf(forecast, t.value, m.direction),
      };
    }
    out.set(m.id, { total, previousTotal, change: change(total, previousTotal), points, target });
  }
  return out;
}
