import { loadDashboardData } from '../../dashboards/load.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { dashboardDataInput, parseDashboardData } from './schemas.ts';

/**
 * A dashboard with the data of every tile, in one call and a fixed number of queries whatever the
 * number of tiles (see loadDashboardData). Without an id, the default dashboard; with none at all,
 * `dashboard: null`.
 */
export const get = tenantProcedure
  .meta(requirePermission('dashboards:read'))
  .input(dashboardDataInput)
  .output(parseDashboardData)
  .query(({ ctx, input }) => loadDashboardData(ctx.db, ctx.tenant.id, input, new Date()));
