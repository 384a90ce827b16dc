import { sql, type MetricGrain, type TenantDb } from '@mfiq/db';
import { formulaRefs, parseFormula } from '../metrics/formula.ts';
import { readCondition, type RuleKind } from './conditions.ts';
import type { EvalRule, RuleMetric } from './evaluate.ts';

export interface LoadedRule extends EvalRule {
  cooldownMinutes: number;
  quiet: { start: number; end: number } | null;
}

/** Which rules one evaluation covers: all of the organization's, some by id, or those a write touched. */
export type RuleScope = { all: true } | { kinds: RuleKind[] } | { ruleIds: string[] } | { touchedMetricIds: string[] };

export interface OrgContext {
  tenantId: string;
  slug: string;
  name: string;
  timezone: string;
  weekStart: number;
  locked: boolean;
}

interface Snapshot {
  version: string;
  rules: LoadedRule[];
  /** For each formula metric with rules, the plain metrics it reads (at any depth). */
  parts: Map<string, string[]>;
}

/**
 * Parsed active rules with their metrics, per organization, kept between evaluations while the
 * version (count and latest change of its rules and of its metrics) is the same: rules change
 * rarely and are evaluated after every write, so an evaluation usually costs one short read here.
 * Read inside the organization's own transaction and keyed by its id, so an entry only ever serves
 * that organization; bounded to CACHED_TENANTS organizations per process.
 */
const cache = new Map<string, Snapshot>();
const CACHED_TENANTS = 200;

/** The organization and its active rules, in one round trip when nothing changed since the last time. */
export async function loadContext(
  db: TenantDb,
  tenantId: string,
): Promise<{ org: OrgContext; snapshot: Snapshot } | null> {
  const { rows } = await sql<Omit<OrgContext, 'tenantId'> & { version: string }>`
    select o.slug, o.name, o.timezone, o.week_start, o.locked_at is not null as locked,
           (select count(*)::text || '|' || coalesce(max(r.updated_at)::text, '') from alert_rules r where r.tenant_id = o.tenant_id)
           || '|' || (select count(*)::text || '|' || coalesce(max(m.updated_at)::text, '') from metrics m where m.tenant_id = o.tenant_id)
           as version
      from organizations o where o.tenant_id = ${tenantId}`.execute(db);
  const row = rows[0];
  if (!row) return null;
  const { version, ...org } = row;
  let snapshot = cache.get(tenantId);
  if (snapshot?.version !== version) {
    snapshot = await readSnapshot(db, tenantId, version);
    cache.delete(tenantId);
    if (cache.size >= CACHED_TENANTS) cache.delete(cache.keys().next().value!);
    cache.set(tenantId, snapshot);
  }
  return { org: { tenantId, ...org }, snapshot };
}

async function readSnapshot(db: TenantDb, tenantId: string, version: string): Promise<Snapshot> {
  // One JSON document each for rules and their metrics: parsing it costs a fraction of ten
  // thousand rows (see 0062). Rules of archived metrics are left out.
  const { rows } = await sql<{ rules: string | null; metrics: string | null }>`
    select (select json_agg(json_build_array(r.id, r.name, r.kind, r.grain, r.condition, r.cooldown_minutes,
                                             r.quiet_start_minute, r.quiet_end_minute, r.metric_id) order by r.id)
              from alert_rules r where r.tenant_id = ${tenantId} and r.paused_at is null)::text as rules,
           (select json_agg(json_build_object('id', m.id, 'key', m.key, 'name', m.name, 'unit', m.unit, 'currency', m.currency,
                                              'aggregation', m.aggregation, 'direction', m.direction, 'formula', m.formula))
              from metrics m
             where m.tenant_id = ${tenantId} and m.archived_at is null
               and exists (select 1 from alert_rules r where r.tenant_id = m.tenant_id and r.metric_id = m.id and r.paused_at is null))::text as metrics`.execute(
    db,
  );
  const metrics = new Map((JSON.parse(rows[0]?.metrics ?? '[]') as RuleMetric[]).map((m) => [m.id, m]));
  const rules: LoadedRule[] = [];
  for (const [id, name, kind, grain, stored, cooldownMinutes, quietStart, quietEnd, metricId] of JSON.parse(
    rows[0]?.rules ?? '[]',
  ) as RuleTuple[]) {
    const metric = metrics.get(metricId);
    const condition = readCondition(kind, stored);
    if (!metric || !condition) continue;
    rules.push({
      id,
      name,
      grain,
      condition,
      cooldownMinutes,
      quiet: quietStart !== null && quietEnd !== null ? { start: quietStart, end: quietEnd } : null,
      metric,
    });
  }
  const formulas = [...metrics.values()].filter((m) => m.formula);
  const parts = formulas.length ? await formulaParts(db, tenantId, formulas) : new Map<string, string[]>();
  return { version, rules, parts };
}

/**
 * The rules an evaluation covers. A write to metric M concerns the rules on M and those on formula
 * metrics that read M (at any depth).
 */
export function rulesIn(snapshot: Snapshot, scope: RuleScope): LoadedRule[] {
  if ('all' in scope) return snapshot.rules;
  if ('kinds' in scope) return snapshot.rules.filter((r) => scope.kinds.includes(r.condition.kind));
  if ('ruleIds' in scope) {
    const ids = new Set(scope.ruleIds);
    return snapshot.rules.filter((r) => ids.has(r.id));
  }
  const touched = new Set(scope.touchedMetricIds);
  return snapshot.rules.filter(
    (r) => touched.has(r.metric.id) || (snapshot.parts.get(r.metric.id) ?? []).some((id) => touched.has(id)),
  );
}

type RuleTuple = [
  id: string,
  name: string,
  kind: RuleKind,
  grain: MetricGrain,
  condition: unknown,
  cooldownMinutes: number,
  quietStartMinute: number | null,
  quietEndMinute: number | null,
  metricId: string,
];

const MAX_DEPTH = 10;

function refs(formula: string): string[] {
  try {
    return formulaRefs(parseFormula(formula));
  } catch {
    return [];
  }
}

/**
 * The plain metrics (ids) each formula metric reads, through nested formulas. Definitions are
 * loaded a level at a time (one query per level of nesting, all roots together); a key that no
 * longer exists reads as nothing, as it evaluates to no value.
 */
async function formulaParts(
  db: TenantDb,
  tenantId: string,
  roots: { id: string; key: string; formula: string | null }[],
): Promise<Map<string, string[]>> {
  const defs = new Map<string, { id: string; formula: string | null }>(
    roots.map((r) => [r.key, { id: r.id, formula: r.formula }]),
  );
  let pending = [...new Set(roots.flatMap((r) => (r.formula ? refs(r.formula) : [])))].filter((k) => !defs.has(k));
  for (let depth = 0; pending.length && depth < MAX_DEPTH; depth++) {
    const rows = await db
      .selectFrom('metrics')
      .select(['id', 'key', 'formula'])
      .where('tenantId', '=', tenantId)
      .where('key', 'in', pending)
      .execute();
    pending = [];
    for (const r of rows) {
      if (defs.has(r.key)) continue;
      defs.set(r.key, { id: r.id, formula: r.formula });
      if (r.formula) pending.push(...refs(r.formula).filter((k) => !defs.has(k)));
    }
    pending = [...new Set(pending)];
  }
  const out = new Map<string, string[]>();
  for (const root of roots) {
    const plain = new Set<string>();
    const seen = new Set<string>();
    const walk = (key: string, depth: number) => {
      const def = defs.get(key);
      if (!def || seen.has(key) || depth > MAX_DEPTH) return;
      seen.add(key);
      if (!def.formula) plain.add(def.id);
      else for (const k of refs(def.formula)) walk(k, depth + 1);
    };
    walk(root.key, 0);
    out.set(root.id, [...plain]);
  }
  return out;
}
