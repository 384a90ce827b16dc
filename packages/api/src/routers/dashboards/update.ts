import { audit, changedFields } from '../../audit.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { findDashboard } from './query.ts';
import { dashboardOutput, updateDashboardInput } from './schemas.ts';

/** Renames a dashboard, changes its default range or grain, or makes it the organization's default. */
export const update = tenantProcedure
  .meta(requirePermission('dashboards:write'))
  .input(updateDashboardInput)
  .output(dashboardOutput)
  .mutation(async ({ ctx, input }) => {
    const before = await findDashboard(ctx.db, ctx.tenant.id, input.id, { forUpdate: true });
    if (input.makeDefault && !before.isDefault) {
      // The old default steps down first: the partial unique index allows one default at a time.
      await ctx.db
        .updateTable('dashboards')
        .set({ isDefault: false })
        .where('tenantId', '=', ctx.tenant.id)
        .where('isDefault', '=', true)
        .execute();
    }
    const set = {
      name: input.name,
      range: input.range,
      grain: input.grain,
      isDefault: input.makeDefault ? true : undefined,
    };
    await ctx.db
      .updateTable('dashboards')
      .set({ ...set, updatedAt: new Date() })
      .where('tenantId', '=', ctx.tenant.id)
      .where('id', '=', input.id)
      .execute();
    const after = await findDashboard(ctx.db, ctx.tenant.id, input.id);
    const diff = changedFields(
      { name: before.name, range: before.range, grain: before.grain, isDefault: before.isDefault },
      { name: after.name, range: after.range, grain: after.grain, isDefault: after.isDefault },
    );
    if (Object.keys(diff.after).length) {
      await audit(ctx, {
        action: 'dashboard.updated',
        target: { type: 'dashboard', id: input.id, display: after.name },
        before: diff.before,
        after: diff.after,
      });
    }
    return after;
  });
