import { sql, type TenantDb } from '@mfiq/db';
import { evaluateFormula, parseFormula, type Formula } from './formula.ts';

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
  const { rows } = await sql<RollupRow>`
    select r.metric_id, b.label, sum(r.n)::float8 as n, sum(r.sum) as sum, min(r.min) as min, max(r.max) as max,
           (array_agg(r.last_value order by r.last_ts desc))[1] as last
      from unnest(${buckets.map((b) => b.label)}::text[], ${buckets.map((b) => b.from)}::date[], ${buckets.map((b) => b.to)}::date[]) as b (label, f, t)
      join metric_daily_rollups r
        on r.tenant_id = ${tenantId} and r.metric_id = any(${metrics.map((m) => m.id)}::uuid[]) and r.day between b.f and b.t
     group by r.metric_id, b.label`.execute(db);
  const byId = new Map(metrics.map((m) => [m.id, m]));
  for (const row of rows) out.get(row.metricId)!.set(row.label, pick(byId.get(row.metricId)!.aggregation, row));
  return out;
}

const MAX_DEPTH = 10;

/**
 * Loads the definitions a metric needs: itself and, for a formula, every metric it reads,
 * transitively. Unknown keys and cycles (which saving refuses) evaluate to no value here.
 */
async function loadDefinitions(db: TenantDb, tenantId: string, root: MetricDef): Promise<Map<string, MetricDef>> {
  const defs = new Map<string, MetricDef>([[root.key, root]]);
  let pending = root.formula ? refsOf(root) : [];
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
      if (r.formula) pending.push(...refsOf(r).filter((k) => !defs.has(k)));
    }
  }
  return defs;
}

const parsed = new Map<string, Formula>();
function tree(def: MetricDef): Formula {
  let t = parsed.get(def.formula!);
  if (!t) {
    t = parseFormula(def.formula!);
    if (parsed.size > 5000) parsed.clear();
    parsed.set(def.formula!, t);
  }
  return t;
}

function refsOf(def: MetricDef): string[] {
  const keys: string[] = [];
  const walk = (f: Formula) => {
    if (f.kind === 'ref') keys.push(f.key);
    else if (f.kind === 'neg') walk(f.arg);
    else if (f.kind === 'bin') {
      walk(f.left);
      walk(f.right);
    }
  };
  walk(tree(def));
  return keys;
}

/**
 * A metric's value per bucket. A formula is computed per bucket from its parts' aggregates (ratio
 * of sums, not sum of ratios). In a formula, a sum or count part with no data counts as 0; any
 * other part with no data, a division by zero or an unknown key gives no value (null).
 */
export async function metricValues(
  db: TenantDb,
  tenantId: string,
  metric: MetricDef,
  buckets: Bucket[],
): Promise<Values> {
  const defs = metric.formula ? await loadDefinitions(db, tenantId, metric) : new Map([[metric.key, metric]]);
  const plain = [...defs.values()].filter((d) => !d.formula);
  const data = await aggregatePlain(db, tenantId, plain, buckets);
  const out: Values = new Map();
  for (const b of buckets) {
    const visiting = new Set<string>();
    const valueOf = (key: string, asPart: boolean): number | null => {
      const def = defs.get(key);
      if (!def || visiting.has(key)) return null;
      if (!def.formula) {
        const v = data.get(def.id)?.get(b.label);
        if (v !== undefined) return v;
        return asPart && (def.aggregation === 'sum' || def.aggregation === 'count') ? 0 : null;
      }
      visiting.add(key);
      const v = evaluateFormula(tree(def), (k) => valueOf(k, true));
      visiting.delete(key);
      return v;
    };
    out.set(b.label, valueOf(metric.key, false));
  }
  return out;
}
