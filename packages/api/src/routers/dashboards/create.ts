import { sql } from '@mfiq/db';
import { audit } from '../../audit.ts';
import { AppError } from '../../errors.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { findDashboard } from './query.ts';
import { createDashboardInput, dashboardOutput, MAX_DASHBOARDS } from './schemas.ts';

/** A new, empty dashboard. The organization's first dashboard becomes its default. */
export const create = tenantProcedure
  .meta(requirePermission('dashboards:write'))
  .input(createDashboardInput)
  .output(dashboardOutput)
  .mutation(async ({ ctx, input }) => {
    // Serializes concurrent creates in this organization so "first one is the default" holds.
    await sql`select 1 from organizations where tenant_id = ${ctx.tenant.id} for no key update`.execute(ctx.db);
    const { n, defaults } = await ctx.db
      .selectFrom('dashboards')
      .select([sql<number>`count(*)::int`.as('n'), sql<number>`count(*) filter (where is_default)::int`.as('defaults')])
      .where('tenantId', '=', ctx.tenant.id)
      .executeTakeFirstOrThrow();
    if (n >= MAX_DASHBOARDS) throw new AppError('CONFLICT', `An organization has at most ${MAX_DASHBOARDS} dashboards`);
    const row = await ctx.db
      .insertInto('dashboards')
      .values({
        tenantId: ctx.tenant.id,
        name: input.name,
        range: input.range,
        grain: input.grain,
        isDefault: defaults === 0,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const dashboard = await findDashboard(ctx.db, ctx.tenant.id, row.id);
    await audit(ctx, {
      action: 'dashboard.created',
      target: { type: 'dashboard', id: row.id, display: input.name },
      after: { name: input.name, range: input.range, grain: input.grain, isDefault: dashboard.isDefault },
    });
    return dashboard;
  });
