import { sql, type TenantDb } from '@mfiq/db';
import { AppError } from '../../errors.ts';
import { findCycle, FormulaError, formulaRefs, parseFormula, type Formula } from '../../metrics/formula.ts';
import { complexityMessage, createShaper, isTooComplex, treeOf } from '../../metrics/formula-graph.ts';

const invalid = (message: string) => new AppError('INVALID', message, { fieldErrors: { formula: [message] } });

/**
 * Refuses a formula that does not parse, reads an unknown metric, would make formulas depend on
 * themselves (directly or through other formulas), or would take this formula or any formula
 * that uses it past the work bounds (formula-graph.ts); the message says which keys or which
 * bound. Formula saves of one organization take turns (a transaction-scoped lock), so two edits
 * that are each within the bounds cannot together make a graph past them.
 */
export async function checkFormula(db: TenantDb, tenantId: string, key: string, formula: string): Promise<void> {
  let tree: Formula;
  let refs: string[];
  try {
    tree = parseFormula(formula);
    refs = formulaRefs(tree);
  } catch (error) {
    if (error instanceof FormulaError) throw invalid(error.message);
    throw error;
  }
  if (refs.length === 0) throw invalid('A formula must use at least one metric key');
  if (refs.includes(key)) throw invalid('A formula cannot use its own metric');
  const known = await db
    .selectFrom('metrics')
    .select(['key'])
    .where('tenantId', '=', tenantId)
    .where('key', 'in', refs)
    .execute();
  const unknown = refs.filter((r) => !known.some((k) => k.key === r));
  if (unknown.length)
    throw invalid(`Unknown metric key${unknown.length > 1 ? 's' : ''}: ${unknown.slice(0, 5).join(', ')}`);
  await sql`select pg_advisory_xact_lock(hashtextextended(${`mfiq:formulas:${tenantId}`}, 0))`.execute(db);
  const formulas = await db
    .selectFrom('metrics')
    .select(['key', 'formula'])
    .where('tenantId', '=', tenantId)
    .where('formula', 'is not', null)
    .execute();
  const trees = new Map<string, Formula | null>(formulas.map((f) => [f.key, treeOf(f.formula!)]));
  trees.set(key, tree);
  const graph = new Map<string, string[]>();
  for (const [k, t] of trees) graph.set(k, t ? formulaRefs(t) : []);
  const cycle = findCycle(graph, key);
  if (cycle) throw invalid(`This formula would make a cycle: ${cycle.join(' -> ')}`);
  // This formula, then every formula that uses it (directly or not): each changes with it.
  const shape = createShaper((k) => trees.get(k) ?? undefined);
  const own = shape(key);
  if (isTooComplex(own)) throw invalid(complexityMessage(own));
  for (const user of usersOf(graph, key)) {
    const s = shape(user);
    if (isTooComplex(s)) throw invalid(complexityMessage(s, `With this formula, the formula of "${user}"`));
  }
}

/** The formulas that use `key`, directly or through other formulas, nearest first. */
function usersOf(graph: Map<string, string[]>, key: string): string[] {
  const usedBy = new Map<string, string[]>();
  for (const [k, refs] of graph) {
    for (const r of new Set(refs)) {
      const list = usedBy.get(r);
      if (list) list.push(k);
      else usedBy.set(r, [k]);
    }
  }
  const seen = new Set([key]);
  const out: string[] = [];
  for (let i = -1; i < out.length; i++) {
    for (const u of usedBy.get(i < 0 ? key : out[i]!) ?? []) {
      if (!seen.has(u)) {
        seen.add(u);
        out.push(u);
      }
    }
  }
  return out;
}

export async function checkOwner(
  db: TenantDb,
  tenantId: string,
  membershipId: string | null | undefined,
): Promise<void> {
  if (!membershipId) return;
  const found = await db
    .selectFrom('memberships')
    .select('id')
    .where('tenantId', '=', tenantId)
    .where('id', '=', membershipId)
    .executeTakeFirst();
  if (!found)
    throw new AppError('INVALID', 'The owner must be a member of this organization', {
      fieldErrors: { ownerMembershipId: ['Choose a member of this organization'] },
    });
}
