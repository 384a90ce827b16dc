import { z } from 'zod';
import { audit } from '../../audit.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { findShareLink } from './query.ts';
import { shareLinkIdSchema, shareLinkOutput } from './schemas.ts';

/** Stops a link for good (it answers 404 from the next request); its view count stays readable. */
export const revoke = tenantProcedure
  .meta(requirePermission('dashboards:write'))
  .input(z.object({ id: shareLinkIdSchema }))
  .output(shareLinkOutput)
  .mutation(async ({ ctx, input }) => {
    const before = await findShareLink(ctx.db, ctx.tenant.id, input.id, { forUpdate: true });
    if (before.status === 'revoked') return before;
    await ctx.db
      .updateTable('dashboardShareLinks')
      .set({ revokedAt: new Date() })
      .where('tenantId', '=', ctx.tenant.id)
      .where('id', '=', input.id)
      .execute();
    const link = await findShareLink(ctx.db, ctx.tenant.id, input.id);
    await audit(ctx, {
      action: 'dashboard.share_link_revoked',
      target: { type: 'dashboard', id: link.dashboardId, display: link.label },
      before: { linkId: input.id, linkPrefix: before.prefix, viewCount: before.viewCount },
    });
    return link;
  });
