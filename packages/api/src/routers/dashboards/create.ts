import { sql, type TenantDb } from '@mfiq/db';
import { audit } from '../../audit.ts';
import { AppError } from '../../errors.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { findDashboard } from './query.ts';
import { createDashboardInput, dashboardOutput, MAX_DASHBOARDS } from './schemas.ts';

/**
 * Inserts a dashboard, the organization's default when it is its first. Concurrent creates in one
 * organization are serialized (a lock on its row) so "the first one is the default" and the cap hold.
 */
export async function insertDashboard(
  db: TenantDb,
  tenantId: string,
  values: {
    name: string;
    range: '7d' | '30d' | '90d' | '6m' | '12m' | 'mtd' | 'qtd' | 'ytd';
    grain: 'day' | 'week' | 'month' | 'quarter';
  },
) {
  await sql`select 1 from organizations where tenant_id = ${tenantId} for no key update`.execute(db);
  const { n, defaults } = await db
    .selectFrom('dashboards')
    .select([sql<number>`count(*)::int`.as('n'), sql<number>`count(*) filter (where is_default)::int`.as('defaults')])
    .where('tenantId', '=', tenantId)
    .executeTakeFirstOrThrow();
  if (n >= MAX_DASHBOARDS) throw new AppError('CONFLICT', `An organization has at most ${MAX_DASHBOARDS} dashboards`);
  const row = await db
    .insertInto('dashboards')
    .values({ tenantId, name: values.name, range: values.range, grain: values.grain, isDefault: defaults === 0 })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** A new, empty dashboard. The organization's first dashboard becomes its default. */
export const create = tenantProcedure
  .meta(requirePermission('dashboards:write'))
  .input(createDashboardInput)
  .output(dashboardOutput)
  .mutation(async ({ ctx, input }) => {
    const id = await insertDashboard(ctx.db, ctx.tenant.id, input);
    const dashboard = await findDashboard(ctx.db, ctx.tenant.id, id);
    await audit(ctx, {
      action: 'dashboard.created',
      target: { type: 'dashboard', id, display: input.name },
      after: { name: input.name, range: input.range, grain: input.grain, isDefault: dashboard.isDefault },
    });
    return dashboard;
  });
