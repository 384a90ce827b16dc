import { sql, type TenantDb } from '@mfiq/db';
import { AppError } from '../errors.ts';
import { complexityMessage, evaluateGraph, loadFormulaGraph, planGraph, type TooComplex } from './formula-graph.ts';

export type Aggregation = 'sum' | 'avg' | 'min' | 'max' | 'count' | 'last';

export interface MetricDef {
  id: string;
  key: string;
  aggregation: Aggregation;
  formula: string | null;
}

/** A labelled range of local days (inclusive) to aggregate over: a series period, a period-to-date. */
export interface Bucket {
  label: string;
  from: string;
  to: string;
}

export type Values = Map<string, number | null>;

interface RollupRow {
  metricId: string;
  label: string;
  n: number;
  sum: number;
  min: number;
  max: number;
  last: number;
}

function pick(aggregation: Aggregation, r: RollupRow): number {
  switch (aggregation) {
    case 'sum':
      return r.sum;
    case 'count':
      return r.n;
    case 'avg':
      return r.sum / r.n;
    case 'min':
      return r.min;
    case 'max':
      return r.max;
    case 'last':
      return r.last;
  }
}

/**
 * Aggregates plain metrics over buckets from the daily rollups, in one query: each bucket is a
 * range of local days, and every aggregation decomposes over days (avg = sum of sums / sum of
 * counts; last = the value at the latest timestamp). Buckets with no data are absent.
 */
async function aggregatePlain(
  db: TenantDb,
  tenantId: string,
  metrics: MetricDef[],
  buckets: Bucket[],
): Promise<Map<string, Values>> {
  const out = new Map<string, Values>(metrics.map((m) => [m.id, new Map()]));
  if (!metrics.length || !buckets.length) return out;
  // One primary-key range read per (bucket, metric), index-only (0012): the plain join of all
  // buckets with all rollup days was planned as a scan of every day per bucket, and a legal
  // series (1,000 periods, 3,000 buckets) ran past the statement timeout (read-bounds.test.ts).
  const { rows } = await sql<RollupRow>`
    select m.id as metric_id, b.label, s.n, s.sum, s.min, s.max, s.last
      from unnest(${buckets.map((b) => b.label)}::text[], ${buckets.map((b) => b.from)}::date[], ${buckets.map((b) => b.to)}::date[]) as b (label, f, t)
     cross join unnest(${metrics.map((m) => m.id)}::uuid[]) as m (id)
     cross join lateral (
       select sum(r.n)::float8 as n, sum(r.sum) as sum, min(r.min) as min, max(r.max) as max,
              (array_agg(r.last_value order by r.last_ts desc))[1] as last
         from metric_daily_rollups r
        where r.tenant_id = ${tenantId} and r.metric_id = m.id and r.day between b.f and b.t
     ) s
     where s.n is not null`.execute(db);
  const byId = new Map(metrics.map((m) => [m.id, m]));
  for (const row of rows) out.get(row.metricId)!.set(row.label, pick(byId.get(row.metricId)!.aggregation, row));
  return out;
}

/**
 * A metric's value per bucket. A formula is computed per bucket from its parts' aggregates (ratio
 * of sums, not sum of ratios), each formula of its graph once over all buckets (formula-graph.ts).
 * In a formula, a sum or count part with no data counts as 0; any other part with no data, a
 * division by zero or an unknown key gives no value (null). A formula past the work bounds (one
 * stored before they existed) is not evaluated: `{ tooComplex }` says why.
 */
export async function metricValues(
  db: TenantDb,
  tenantId: string,
  metric: MetricDef,
  buckets: Bucket[],
): Promise<Values | TooComplex> {
  const defs = metric.formula ? await loadFormulaGraph(db, tenantId, [metric]) : new Map([[metric.key, metric]]);
  // A formula past the bounds costs no aggregation either: it is not evaluated.
  const { tooComplex, plain } = planGraph(defs, [metric]);
  const shape = tooComplex.get(metric.id);
  if (shape) return { tooComplex: shape };
  const data = await aggregatePlain(db, tenantId, plain, buckets);
  const result = evaluateGraph(defs, [metric], buckets.length, (d) =>
    buckets.map((b) => data.get(d.id)?.get(b.label)),
  ).get(metric.id)!;
  if (!Array.isArray(result)) return result;
  return new Map(buckets.map((b, i) => [b.label, result[i] ?? null]));
}

/** Refuses, with a message that names the metric and the bound, a formula too large to compute. */
export function computable(metric: MetricDef, values: Values | TooComplex): Values {
  if (values instanceof Map) return values;
  throw new AppError(
    'INVALID',
    `${complexityMessage(values.tooComplex, `The formula of "${metric.key}"`)}. Edit the formula to compute this metric.`,
  );
}
