import { randomUUID } from 'node:crypto';
import { sql } from '@mfiq/db';
import { audit } from '../../audit.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { insertDashboard } from './create.ts';
import { findDashboard } from './query.ts';
import { dashboardOutput, duplicateDashboardInput } from './schemas.ts';

/**
 * A copy of a dashboard with all its tiles (their metrics, kinds, titles, order, sizes and views).
 * Its share links and notes stay with the original: a copy is shared by nobody until an editor
 * shares it.
 */
export const duplicate = tenantProcedure
  .meta(requirePermission('dashboards:write'))
  .input(duplicateDashboardInput)
  .output(dashboardOutput)
  .mutation(async ({ ctx, input }) => {
    const source = await findDashboard(ctx.db, ctx.tenant.id, input.id);
    const name = input.name ?? `Copy of ${source.name}`.slice(0, 100);
    const id = await insertDashboard(ctx.db, ctx.tenant.id, { name, range: source.range, grain: source.grain });
    const tiles = await ctx.db
      .selectFrom('dashboardTiles')
      .select('id')
      .where('tenantId', '=', ctx.tenant.id)
      .where('dashboardId', '=', source.id)
      .execute();
    const from = tiles.map((t) => t.id);
    const to = from.map(() => randomUUID());
    if (from.length) {
      await sql`
        insert into dashboard_tiles (tenant_id, id, dashboard_id, metric_id, kind, title, position, show_previous,
                                     show_target, width, range, grain, compare_to)
        select t.tenant_id, m.new_id, ${id}, t.metric_id, t.kind, t.title, t.position, t.show_previous,
               t.show_target, t.width, t.range, t.grain, t.compare_to
          from dashboard_tiles t join unnest(${from}::uuid[], ${to}::uuid[]) as m (old_id, new_id) on t.id = m.old_id
         where t.tenant_id = ${ctx.tenant.id}`.execute(ctx.db);
      await sql`
        insert into dashboard_tile_metrics (tenant_id, tile_id, metric_id, position)
        select x.tenant_id, m.new_id, x.metric_id, x.position
          from dashboard_tile_metrics x join unnest(${from}::uuid[], ${to}::uuid[]) as m (old_id, new_id) on x.tile_id = m.old_id
         where x.tenant_id = ${ctx.tenant.id}`.execute(ctx.db);
    }
    const dashboard = await findDashboard(ctx.db, ctx.tenant.id, id);
    await audit(ctx, {
      action: 'dashboard.duplicated',
      target: { type: 'dashboard', id, display: name },
      after: {
        sourceId: source.id,
        sourceName: source.name,
        name,
        tileCount: dashboard.tileCount,
        isDefault: dashboard.isDefault,
      },
    });
    return dashboard;
  });
