import { z } from 'zod';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { findDashboard } from '../dashboards/query.ts';
import { dashboardIdSchema } from '../dashboards/schemas.ts';
import { selectShareLinks } from './query.ts';
import { shareLinkOutput } from './schemas.ts';

/** A dashboard's share links with their state and view counts (never their tokens). */
export const list = tenantProcedure
  .meta(requirePermission('dashboards:write'))
  .input(z.object({ dashboardId: dashboardIdSchema }))
  .output(z.array(shareLinkOutput))
  .query(async ({ ctx, input }) => {
    const dashboard = await findDashboard(ctx.db, ctx.tenant.id, input.dashboardId);
    return selectShareLinks(ctx.db, ctx.tenant.id).where('l.dashboardId', '=', dashboard.id).execute();
  });
