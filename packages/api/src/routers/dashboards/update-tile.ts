import { audit } from '../../audit.ts';
import { notFound } from '../../errors.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { findDashboard, selectTiles, touchDashboard } from './query.ts';
import { tileOutput, updateTileInput } from './schemas.ts';
import { resolveTileMetrics, writeMoreMetrics } from './tile-metrics.ts';
import { toTile } from './tiles.ts';

/**
 * Changes a tile in place: its metric(s), visualization, range, grain, comparison, title, width or
 * what it overlays. The tile's metrics are checked as a whole against its (new) kind, so a table
 * cannot keep a chart's extra metrics. One `dashboard.tile_updated` event lists what changed.
 */
export const updateTile = tenantProcedure
  .meta(requirePermission('dashboards:write'))
  .input(updateTileInput)
  .output(tileOutput)
  .mutation(async ({ ctx, input }) => {
    const dashboard = await findDashboard(ctx.db, ctx.tenant.id, input.dashboardId, { forUpdate: true });
    const row = await selectTiles(ctx.db, ctx.tenant.id, dashboard.id)
      .where('t.id', '=', input.tileId)
      .executeTakeFirst();
    if (!row) throw notFound('Tile not found');
    const before = toTile(row);
    const kind = input.kind ?? before.kind;
    const metricKey = input.metricKey ?? before.metric.key;
    // A tile becoming a number card or a table keeps only its first metric unless told otherwise.
    const moreKeys = input.moreMetricKeys ?? (kind === 'line' || kind === 'bar' ? before.more.map((m) => m.key) : []);
    const [metric, ...more] = await resolveTileMetrics(ctx.db, ctx.tenant.id, kind, metricKey, moreKeys);
    await ctx.db
      .updateTable('dashboardTiles')
      .set({
        metricId: metric!.id,
        kind,
        title: input.title === undefined ? undefined : input.title || null,
        range: input.range,
        grain: input.grain,
        compareTo: input.compareTo,
        showPrevious: input.showPrevious,
        showTarget: input.showTarget,
        width: input.width,
      })
      .where('tenantId', '=', ctx.tenant.id)
      .where('id', '=', input.tileId)
      .execute();
    await writeMoreMetrics(
      ctx.db,
      ctx.tenant.id,
      input.tileId,
      more.map((m) => m.id),
    );
    await touchDashboard(ctx.db, ctx.tenant.id, dashboard.id);
    const after = toTile(
      await selectTiles(ctx.db, ctx.tenant.id, dashboard.id).where('t.id', '=', input.tileId).executeTakeFirstOrThrow(),
    );
    const summary = (t: typeof before) => ({
      metrics: [t.metric.key, ...t.more.map((m) => m.key)].join(','),
      kind: t.kind,
      title: t.title,
      range: t.range,
      grain: t.grain,
      compareTo: t.compareTo,
      showPrevious: t.showPrevious,
      showTarget: t.showTarget,
      width: t.width,
    });
    const b = summary(before);
    const a = summary(after);
    const changed = (Object.keys(a) as (keyof typeof a)[]).filter((k) => a[k] !== b[k]);
    if (changed.length) {
      await audit(ctx, {
        action: 'dashboard.tile_updated',
        target: { type: 'dashboard', id: dashboard.id, display: dashboard.name },
        before: { tileId: input.tileId, ...Object.fromEntries(changed.map((k) => [k, b[k]])) },
        after: { tileId: input.tileId, ...Object.fromEntries(changed.map((k) => [k, a[k]])) },
      });
    }
    return after;
  });
