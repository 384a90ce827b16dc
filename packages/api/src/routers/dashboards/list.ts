import { z } from 'zod';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { selectDashboards, toDashboard } from './query.ts';
import { dashboardOutput } from './schemas.ts';

/** The organization's dashboards, the default first, then by name. */
export const list = tenantProcedure
  .meta(requirePermission('dashboards:read'))
  .output(z.array(dashboardOutput))
  .query(async ({ ctx }) => {
    const rows = await selectDashboards(ctx.db, ctx.tenant.id)
      .orderBy('d.isDefault', 'desc')
      .orderBy('d.name')
      .orderBy('d.createdAt')
      .execute();
    return rows.map(toDashboard);
  });
