import { z } from 'zod';
import { audit } from '../../audit.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { findDashboard } from './query.ts';
import { dashboardIdSchema } from './schemas.ts';

/**
 * Deletes a dashboard and its tiles (never metrics or data). When it was the default, the oldest
 * remaining dashboard takes over, so the organization home keeps showing one.
 */
export const remove = tenantProcedure
  .meta(requirePermission('dashboards:write'))
  .input(z.object({ id: dashboardIdSchema }))
  .output(z.object({ deleted: z.literal(true), newDefaultId: z.string().nullable() }))
  .mutation(async ({ ctx, input }) => {
    const before = await findDashboard(ctx.db, ctx.tenant.id, input.id, { forUpdate: true });
    await ctx.db.deleteFrom('dashboards').where('tenantId', '=', ctx.tenant.id).where('id', '=', input.id).execute();
    // Share links have no foreign key to their dashboard (see 0060): they go with it here.
    await ctx.db
      .deleteFrom('dashboardShareLinks')
      .where('tenantId', '=', ctx.tenant.id)
      .where('dashboardId', '=', input.id)
      .execute();
    let newDefaultId: string | null = null;
    if (before.isDefault) {
      const next = await ctx.db
        .selectFrom('dashboards')
        .select('id')
        .where('tenantId', '=', ctx.tenant.id)
        .orderBy('createdAt')
        .orderBy('id')
        .limit(1)
        .executeTakeFirst();
      if (next) {
        await ctx.db
          .updateTable('dashboards')
          .set({ isDefault: true })
          .where('tenantId', '=', ctx.tenant.id)
          .where('id', '=', next.id)
          .execute();
        newDefaultId = next.id;
      }
    }
    await audit(ctx, {
      action: 'dashboard.deleted',
      target: { type: 'dashboard', id: input.id, display: before.name },
      before: {
        name: before.name,
        range: before.range,
        grain: before.grain,
        isDefault: before.isDefault,
        tileCount: before.tileCount,
      },
      after: newDefaultId ? { newDefaultId } : null,
    });
    return { deleted: true as const, newDefaultId };
  });
