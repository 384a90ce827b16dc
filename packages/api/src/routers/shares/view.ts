import { AppError, notFound } from '../../errors.ts';
import { loadDashboardData } from '../../dashboards/load.ts';
import { publicProcedure } from '../../trpc.ts';
import { formTokenHash, isFormToken } from '../forms/token.ts';
import { parseShareView, viewShareInput } from './schemas.ts';

/** One answer for a malformed, unknown, revoked, expired or rotated link, or a deleted dashboard. */
const linkGone = () =>
  notFound('This dashboard link is not valid. It may have been revoked, replaced or have expired.');

/**
 * The share page's data (/d/<token>, signed out, and its TV refreshes): the link's one dashboard
 * and nothing else. The tenant and the dashboard come from the link row (app_enter_dashboard_share);
 * the input can only choose how to view it. Each request spends the caller's address's and the
 * link's rate-limit budgets first, before any lookup.
 */
export const view = publicProcedure
  .input(viewShareInput)
  .output(parseShareView)
  .query(async ({ ctx, input }) => {
    if (!isFormToken(input.token)) throw linkGone();
    const hash = formTokenHash(input.token);
    const limit = await ctx.limitShareView(ctx.request.ip, hash);
    if (!limit.ok) {
      ctx.resHeaders.set('Retry-After', String(limit.retryAfterSec));
      throw new AppError('RATE_LIMITED', `Too many requests for this dashboard. Retry in ${limit.retryAfterSec} s.`, {
        retryAfterSeconds: limit.retryAfterSec,
      });
    }
    const outcome = await ctx.platform.asShareLink(hash, input.countView, async (db, link) => {
      const data = await loadDashboardData(
        db,
        link.tenantId,
        { id: link.dashboardId, range: input.range, from: input.from, to: input.to, grain: input.grain },
        ctx.auth.now(),
      );
      return {
        orgName: link.orgName,
        dashboard: { name: data.dashboard!.name },
        range: data.range,
        grain: data.grain,
        timezone: data.timezone,
        tiles: data.tiles,
        embedOrigins: link.embedOrigins,
      };
    });
    if (outcome.link === null) throw linkGone();
    return outcome.result;
  });
