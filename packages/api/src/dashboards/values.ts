import type { TenantDb } from '@mfiq/db';
import { type Bucket, type MetricDef, type Values } from '../metrics/aggregate.ts';
import { aggregateRollups } from './rollups.ts';
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
 * no data counts as 0; unknown parts, cycles and division by zero give null.
 */
export async function batchMetricValues(db: TenantDb, tenantId: string, roots: MetricDef[], buckets: Bucket[]): Promise<Map<string, Values>> {
  const cache = new Map<string, Formula | null>();
  const defs = new Map<string, MetricDef>(roots.map((r) => [r.key, r]));
  const refsOf = (d: MetricDef) => {
    const tree = parsed(d, cache);
    return tree ? formulaRefs(tree) : [];
  };
  let pending = [...new Set(roots.flatMap(refsOf))].filter((k) => !defs.has(k));
  for (let depth = 0; pending.length && depth < MAX_DEPTH; depth++) {
    const rows = await db.selectFrom('metrics').select(['id', 'key', 'aggregation', 'formula']).where('tenantId', '=', tenantId).where('key', 'in', pending).execute();
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
  const out = new Map<string, Values>();
  for (const root of roots) {
    const values: Values = new Map();
    for (const b of buckets) {
      const visiting = new Set<string>();
      const valueOf = (key: string, asPart: boolean): number | null => {
        const def = defs.get(key);
        if (!def || visiting.has(key)) return null;
        const tree = parsed(def, cache);
        if (!def.formula) {
          const v = data.get(def.id)?.get(b.label);
          if (v !== undefined) return v;
          return asPart && (def.aggregation === 'sum' || def.aggregation === 'count') ? 0 : null;
        }
        if (!tree) return null;
        visiting.add(key);
        const v = evaluateFormula(tree, (k) => valueOf(k, true));
        visiting.delete(key);
        return v;
      };
      values.set(b.label, valueOf(root.key, false));
    }
    out.set(root.id, values);
  }
  return out;
}
