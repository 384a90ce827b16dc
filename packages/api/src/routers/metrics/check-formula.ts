import type { TenantDb } from '@mfiq/db';
import { AppError } from '../../errors.ts';
import { findCycle, FormulaError, formulaRefs, parseFormula } from '../../metrics/formula.ts';

const invalid = (message: string) => new AppError('INVALID', message, { fieldErrors: { formula: [message] } });

/**
 * Refuses a formula that does not parse, reads an unknown metric, or would make formulas depend
 * on themselves (directly or through other formulas); the message says which keys.
 */
export async function checkFormula(db: TenantDb, tenantId: string, key: string, formula: string): Promise<void> {
  let refs: string[];
  try {
    refs = formulaRefs(parseFormula(formula));
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
  const formulas = await db
    .selectFrom('metrics')
    .select(['key', 'formula'])
    .where('tenantId', '=', tenantId)
    .where('formula', 'is not', null)
    .execute();
  const graph = new Map<string, string[]>();
  for (const f of formulas) {
    try {
      graph.set(f.key, formulaRefs(parseFormula(f.formula!)));
    } catch {
      graph.set(f.key, []);
    }
  }
  graph.set(key, refs);
  const cycle = findCycle(graph, key);
  if (cycle) throw invalid(`This formula would make a cycle: ${cycle.join(' -> ')}`);
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
