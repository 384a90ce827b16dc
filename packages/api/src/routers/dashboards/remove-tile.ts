import { z } from 'zod';
import { audit } from '../../audit.ts';
import { notFound } from '../../errors.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { findDashboard, selectTiles, touchDashboard } from './query.ts';
import { dashboardIdSchema, tileIdSchema } from './schemas.ts';

export const removeTile = tenantProcedure
  .meta(requirePermission('dashboards:write'))
  .input(z.object({ dashboardId: dashboardIdSchema, tileId: tileIdSchema }))
  .output(z.object({ deleted: z.literal(true) }))
  .mutation(async ({ ctx, input }) => {
    const dashboard = await findDashboard(ctx.db, ctx.tenant.id, input.dashboardId, { forUpdate: true });
    const tile = await selectTiles(ctx.db, ctx.tenant.id, dashboard.id)
      .where('t.id', '=', input.tileId)
      .executeTakeFirst();
    if (!tile) throw notFound('Tile not found');
    await ctx.db.deleteFrom('dashboardTiles').where('tenantId', '=', ctx.tenant.id).where('id', '=', tile.id).execute();
    await touchDashboard(ctx.db, ctx.tenant.id, dashboard.id);
    await audit(ctx, {
      action: 'dashboard.tile_removed',
      target: { type: 'dashboard', id: dashboard.id, display: dashboard.name },
      before: { tileId: tile.id, metric: tile.metricKey, kind: tile.kind, title: tile.title, position: tile.position },
    });
    return { deleted: true as const };
  });
