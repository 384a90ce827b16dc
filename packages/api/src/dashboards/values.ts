import type { TenantDb } from '@mfiq/db';
import type { Bucket, MetricDef } from '../metrics/aggregate.ts';
import { evaluateGraph, loadFormulaGraph, planGraph } from '../metrics/formula-graph.ts';
import { bucketValues, readRollupDays, spanOf, type BucketValues, type RollupRead } from './rollups.ts';

/** What many metrics' values are computed from: their formula graph, and its plain metrics' days. */
export interface MetricData {
  defs: Map<string, MetricDef>;
  plain: MetricDef[];
  read: RollupRead;
}

/**
 * The reading half of batchMetricValues: one query per level of formula references (all roots
 * together) and one read of the daily rollups for every plain metric involved.
 */
export async function readMetricData(
  db: TenantDb,
  tenantId: string,
  roots: MetricDef[],
  buckets: Pick<Bucket, 'from' | 'to'>[],
): Promise<MetricData> {
  const defs = await loadFormulaGraph(db, tenantId, roots);
  const { plain } = planGraph(defs, roots);
  if (!buckets.length) return { defs, plain, read: { from: '', to: '', days: new Map() } };
  const { from, to } = spanOf(buckets);
  return { defs, plain, read: await readRollupDays(db, tenantId, plain, from, to) };
}

/** The computing half of batchMetricValues, over what readMetricData read for the same roots and buckets. */
export function valuesOf(data: MetricData, roots: MetricDef[], buckets: Pick<Bucket, 'from' | 'to'>[]): BucketValues {
  const { defs, plain, read } = data;
  const values = bucketValues(read, plain, buckets);
  // A plain root's values are its aggregates as read (numbers or null): only formulas are evaluated.
  const plainDef = (r: MetricDef) => {
    const def = defs.get(r.key);
    return def && !def.formula && values.has(def.id) ? def : null;
  };
  const graph = evaluateGraph(
    defs,
    roots.filter((r) => !plainDef(r)),
    buckets.length,
    (d) => values.get(d.id) ?? [],
  );
  const none = buckets.map(() => null);
  return new Map(
    roots.map((r) => {
      const def = plainDef(r);
      if (def) return [r.id, values.get(def.id)!];
      const v = graph.get(r.id)!;
      return [r.id, Array.isArray(v) ? v : none];
    }),
  );
}

/**
 * Values of many metrics over the same buckets with a fixed number of queries, whatever the number
 * of metrics (see readMetricData). The semantics are those of metricValues (one metric): a formula
 * is computed per bucket from its parts' aggregates; a sum or count part with no data counts as 0;
 * unknown parts, cycles and division by zero give null. Each formula of the graph is evaluated
 * once over all buckets, and a formula past the work bounds (stored before they existed) shows no
 * values instead of holding up the whole dashboard. Values come back per root metric id, one per
 * bucket in the buckets' order.
 */
export async function batchMetricValues(
  db: TenantDb,
  tenantId: string,
  roots: MetricDef[],
  buckets: Pick<Bucket, 'from' | 'to'>[],
): Promise<BucketValues> {
  return valuesOf(await readMetricData(db, tenantId, roots, buckets), roots, buckets);
}
