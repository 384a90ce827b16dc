import { sql } from '@mfiq/db';
import { audit } from '../../audit.ts';
import { AppError } from '../../errors.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { findDashboard, selectTiles, touchDashboard } from './query.ts';
import { addTileInput, MAX_TILES, tileOutput } from './schemas.ts';
import { resolveTileMetrics, writeMoreMetrics } from './tile-metrics.ts';
import { toTile } from './tiles.ts';

/** Adds a tile for one of the organization's metrics (up to four on a chart) at the end of the dashboard. */
export const addTile = tenantProcedure
  .meta(requirePermission('dashboards:write'))
  .input(addTileInput)
  .output(tileOutput)
  .mutation(async ({ ctx, input }) => {
    const dashboard = await findDashboard(ctx.db, ctx.tenant.id, input.dashboardId, { forUpdate: true });
    if (dashboard.tileCount >= MAX_TILES) throw new AppError('CONFLICT', `A dashboard has at most ${MAX_TILES} tiles`);
    const [metric, ...more] = await resolveTileMetrics(
      ctx.db,
      ctx.tenant.id,
      input.kind,
      input.metricKey,
      input.moreMetricKeys,
    );
    const { next } = await ctx.db
      .selectFrom('dashboardTiles')
      .select(sql<number>`coalesce(max(position) + 1, 0)::int`.as('next'))
      .where('tenantId', '=', ctx.tenant.id)
      .where('dashboardId', '=', dashboard.id)
      .executeTakeFirstOrThrow();
    const row = await ctx.db
      .insertInto('dashboardTiles')
      .values({
        tenantId: ctx.tenant.id,
        dashboardId: dashboard.id,
        metricId: metric!.id,
        kind: input.kind,
        title: input.title || null,
        position: Math.min(next, 999),
        showPrevious: input.showPrevious,
        showTarget: input.showTarget,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await writeMoreMetrics(
      ctx.db,
      ctx.tenant.id,
      row.id,
      more.map((m) => m.id),
    );
    await touchDashboard(ctx.db, ctx.tenant.id, dashboard.id);
    const tile = toTile(
      await selectTiles(ctx.db, ctx.tenant.id, dashboard.id).where('t.id', '=', row.id).executeTakeFirstOrThrow(),
    );
    await audit(ctx, {
      action: 'dashboard.tile_added',
      target: { type: 'dashboard', id: dashboard.id, display: dashboard.name },
      after: {
        tileId: row.id,
        metric: metric!.key,
        ...(more.length ? { moreMetrics: more.map((m) => m.key) } : {}),
        kind: input.kind,
        title: tile.title,
        showPrevious: input.showPrevious,
        showTarget: input.showTarget,
      },
    });
    return tile;
  });
