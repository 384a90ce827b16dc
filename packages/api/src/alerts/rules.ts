import type { MetricGrain, TenantDb } from '@mfiq/db';
import { formulaRefs, parseFormula } from '../metrics/formula.ts';
import { readCondition, type RuleKind } from './conditions.ts';
import type { EvalRule } from './evaluate.ts';

export interface LoadedRule extends EvalRule {
  cooldownMinutes: number;
  quiet: { start: number; end: number } | null;
}

/** Which rules one evaluation covers: all of the organization's, some by id, or those a write touched. */
export type RuleScope = { all: true } | { kinds: RuleKind[] } | { ruleIds: string[] } | { touchedMetricIds: string[] };

/**
 * The organization's active rules in scope, with their metrics. A write to metric M concerns the
 * rules on M and those on formula metrics that read M (at any depth); rules on archived metrics
 * and rules whose stored condition no longer parses are left out.
 */
export async function loadRules(db: TenantDb, tenantId: string, scope: RuleScope): Promise<LoadedRule[]> {
  let q = db
    .selectFrom('alertRules as r')
    .innerJoin('metrics as m', (j) => j.onRef('m.tenantId', '=', 'r.tenantId').onRef('m.id', '=', 'r.metricId'))
    .select([
      'r.id',
      'r.name',
      'r.kind',
      'r.grain',
      'r.condition',
      'r.cooldownMinutes',
      'r.quietStartMinute',
      'r.quietEndMinute',
      'm.id as metricId',
      'm.key as metricKey',
      'm.name as metricName',
      'm.unit',
      'm.currency',
      'm.aggregation',
      'm.direction',
      'm.formula',
    ])
    .where('r.tenantId', '=', tenantId)
    .where('r.pausedAt', 'is', null)
    .where('m.archivedAt', 'is', null);
  if ('ruleIds' in scope) {
    if (!scope.ruleIds.length) return [];
    q = q.where('r.id', 'in', scope.ruleIds);
  }
  if ('kinds' in scope) {
    if (!scope.kinds.length) return [];
    q = q.where('r.kind', 'in', scope.kinds);
  }
  if ('touchedMetricIds' in scope) {
    if (!scope.touchedMetricIds.length) return [];
    const ids = scope.touchedMetricIds;
    q = q.where((eb) => eb.or([eb('r.metricId', 'in', ids), eb('m.formula', 'is not', null)]));
  }
  const rows = await q.orderBy('r.id').execute();
  let keep = (_: (typeof rows)[number]) => true;
  if ('touchedMetricIds' in scope && rows.some((r) => r.formula)) {
    const parts = await formulaParts(
      db,
      tenantId,
      rows.filter((r) => r.formula).map((r) => ({ id: r.metricId, key: r.metricKey, formula: r.formula })),
    );
    const touched = new Set(scope.touchedMetricIds);
    keep = (r) => touched.has(r.metricId) || (parts.get(r.metricId) ?? []).some((id) => touched.has(id));
  }
  const out: LoadedRule[] = [];
  for (const r of rows) {
    if (!keep(r)) continue;
    const condition = readCondition(r.kind, r.condition);
    if (!condition) continue;
    out.push({
      id: r.id,
      name: r.name,
      grain: r.grain as MetricGrain,
      condition,
      cooldownMinutes: r.cooldownMinutes,
      quiet:
        r.quietStartMinute !== null && r.quietEndMinute !== null
          ? { start: r.quietStartMinute, end: r.quietEndMinute }
          : null,
      metric: {
        id: r.metricId,
        key: r.metricKey,
        name: r.metricName,
        unit: r.unit,
        currency: r.currency,
        aggregation: r.aggregation,
        direction: r.direction,
        formula: r.formula,
      },
    });
  }
  return out;
}

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
export async function formulaParts(
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
