import type { TenantDb } from '@mfiq/db';
import type { Bucket, MetricDef } from '../metrics/aggregate.ts';
import { evaluateGraph, loadFormulaGraph, planGraph } from '../metrics/formula-graph.ts';
import { aggregateRollups, type BucketValues } from './rollups.ts';

/**
 * Values of many metrics over the same buckets with a fixed number of queries, whatever the number
 * of metrics: one per level of formula references (all roots together) and one read of the daily
 * rollups for every plain metric involved. The semantics are those of metricValues (one
 * metric): a formula is computed per bucket from its parts' aggregates; a sum or count part with
 * no data counts as 0; unknown parts, cycles and division by zero give null. Each formula of the
 * graph is evaluated once over all buckets, and a formula past the work bounds (stored before
 * they existed) shows no values instead of holding up the whole dashboard. Values come back per
 * root metric id, one per bucket in the buckets' order.
 */
export async function batchMetricValues(
  db: TenantDb,
  tenantId: string,
  roots: MetricDef[],
  buckets: Pick<Bucket, 'from' | 'to'>[],
): Promise<BucketValues> {
  const defs = await loadFormulaGraph(db, tenantId, roots);
  const { plain } = planGraph(defs, roots);
  const data = await aggregateRollups(db, tenantId, plain, buckets);
  const values = evaluateGraph(defs, roots, buckets.length, (d) => data.get(d.id) ?? []);
  const none = buckets.map(() => null);
  return new Map(
    roots.map((r) => {
      const v = values.get(r.id)!;
      return [r.id, Array.isArray(v) ? v : none];
    }),
  );
}
