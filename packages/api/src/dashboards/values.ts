import type { TenantDb } from '@mfiq/db';
import type { Bucket, MetricDef } from '../metrics/aggregate.ts';
import { aggregateRollups, type BucketValues } from './rollups.ts';
import { evaluateFormula, formulaRefs, parseFormula, type Formula } from '../metrics/formula.ts';

const MAX_DEPTH = 10;

function parsed(def: MetricDef, cache: Map<string, Formula | null>): Formula | null {
  if (!def.formula) return null;
  if (!cache.has(def.formula)) {
    try {
      cache.set(def.formula, parseFormula(def.formula));
    } catch {
      // Saving refuses bad formulas; one that no longer parses evaluates to no value.
      cache.set(def.formula, null);
    }
  }
  return cache.get(def.formula)!;
}

/**
 * Values of many metrics over the same buckets with a fixed number of queries, whatever the number
 * of metrics: one per level of formula references (all roots together) and one read of the daily
 * rollups for every plain metric involved. The semantics are those of metricValues (one
 * metric): a formula is computed per bucket from its parts' aggregates; a sum or count part with
 * no data counts as 0; unknown parts, cycles and division by zero give null. Values come back per
 * root metric id, one per bucket in the buckets' order.
 */
export async function batchMetricValues(
  db: TenantDb,
  tenantId: string,
  roots: MetricDef[],
  buckets: Pick<Bucket, 'from' | 'to'>[],
): Promise<BucketValues> {
  const cache = new Map<string, Formula | null>();
  const defs = new Map<string, MetricDef>(roots.map((r) => [r.key, r]));
  const refsOf = (d: MetricDef) => {
    const tree = parsed(d, cache);
    return tree ? formulaRefs(tree) : [];
  };
  let pending = [...new Set(roots.flatMap(refsOf))].filter((k) => !defs.has(k));
  for (let depth = 0; pending.length && depth < MAX_DEPTH; depth++) {
    const rows = await db
      .selectFrom('metrics')
      .select(['id', 'key', 'aggregation', 'formula'])
      .where('tenantId', '=', tenantId)
      .where('key', 'in', pending)
      .execute();
    pending = [];
    for (const r of rows) {
      if (defs.has(r.key)) continue;
      defs.set(r.key, r);
      pending.push(...refsOf(r).filter((k) => !defs.has(k)));
    }
    pending = [...new Set(pending)];
  }
  const plain = [...defs.values()].filter((d) => !d.formula);
  const data = await aggregateRollups(db, tenantId, plain, buckets);
  const none = buckets.map(() => null);
  // A metric's values over all buckets at once. `stack` holds the formulas being evaluated, so a
  // cycle (which saving refuses) reads as no value, as in metricValues.
  const vectorOf = (key: string, asPart: boolean, stack: Set<string>): (number | null)[] => {
    const def = defs.get(key);
    if (!def || stack.has(key)) return none;
    if (!def.formula) {
      const v = data.get(def.id)!;
      return asPart && (def.aggregation === 'sum' || def.aggregation === 'count') ? v.map((x) => x ?? 0) : v;
    }
    const tree = parsed(def, cache);
    if (!tree) return none;
    stack.add(key);
    const parts = new Map(formulaRefs(tree).map((k) => [k, vectorOf(k, true, stack)]));
    stack.delete(key);
    return buckets.map((_, j) => evaluateFormula(tree, (k) => parts.get(k)![j] ?? null));
  };
  return new Map(roots.map((root) => [root.id, vectorOf(root.key, false, new Set())]));
}
