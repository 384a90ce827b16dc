import { sql } from '@mfiq/db';
import { z } from 'zod';
import { audit } from '../../audit.ts';
import { AppError } from '../../errors.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { findDashboard, selectTiles, touchDashboard } from './query.ts';
import { reorderTilesInput } from './schemas.ts';

/**
 * Sets the tiles' order: the input lists every tile of the dashboard exactly once, in the new
 * order. A stale list (a tile added or removed meanwhile) is refused rather than half-applied.
 */
export const reorderTiles = tenantProcedure
  .meta(requirePermission('dashboards:write'))
  .input(reorderTilesInput)
  .output(z.object({ tileIds: z.array(z.string()) }))
  .mutation(async ({ ctx, input }) => {
    const dashboard = await findDashboard(ctx.db, ctx.tenant.id, input.dashboardId, { forUpdate: true });
    const tiles = await selectTiles(ctx.db, ctx.tenant.id, dashboard.id).execute();
    const current = tiles.map((t) => t.id);
    const given = new Set(input.tileIds);
    if (given.size !== input.tileIds.length)
      throw new AppError('INVALID', 'Each tile may appear only once', { fieldErrors: { tileIds: ['Duplicate tile'] } });
    if (given.size !== current.length || current.some((id) => !given.has(id))) {
      throw new AppError(
        'CONFLICT',
        'The dashboard changed meanwhile: list every one of its tiles exactly once (reload and try again)',
      );
    }
    await sql`
      update dashboard_tiles t set position = u.pos - 1
        from unnest(${input.tileIds}::uuid[]) with ordinality as u (id, pos)
       where t.tenant_id = ${ctx.tenant.id} and t.dashboard_id = ${dashboard.id} and t.id = u.id`.execute(ctx.db);
    await touchDashboard(ctx.db, ctx.tenant.id, dashboard.id);
    if (current.join() !== input.tileIds.join()) {
      await audit(ctx, {
        action: 'dashboard.tiles_reordered',
        target: { type: 'dashboard', id: dashboard.id, display: dashboard.name },
        before: { order: current },
        after: { order: input.tileIds },
      });
    }
    return { tileIds: input.tileIds };
  });
