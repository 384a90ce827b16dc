import { z } from 'zod';
import { audit } from '../../audit.ts';
import { AppError } from '../../errors.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { newFormToken } from '../forms/token.ts';
import { findShareLink } from './query.ts';
import { shareLinkIdSchema, shareLinkWithTokenOutput } from './schemas.ts';

/** A new token for the link (same label, expiry, origins, count); the old one stops at commit. */
export const rotate = tenantProcedure
  .meta(requirePermission('dashboards:write'))
  .input(z.object({ id: shareLinkIdSchema }))
  .output(shareLinkWithTokenOutput)
  .mutation(async ({ ctx, input }) => {
    const before = await findShareLink(ctx.db, ctx.tenant.id, input.id, { forUpdate: true });
    if (before.status === 'revoked') throw new AppError('CONFLICT', 'This link is revoked: create a new one');
    const { token, hash, prefix } = newFormToken();
    await ctx.db
      .updateTable('dashboardShareLinks')
      .set({ tokenHash: hash, prefix, rotatedAt: new Date() })
      .where('tenantId', '=', ctx.tenant.id)
      .where('id', '=', input.id)
      .execute();
    const link = await findShareLink(ctx.db, ctx.tenant.id, input.id);
    await audit(ctx, {
      action: 'dashboard.share_link_rotated',
      target: { type: 'dashboard', id: link.dashboardId, display: link.label },
      before: { linkId: input.id, linkPrefix: before.prefix },
      after: { linkId: input.id, linkPrefix: prefix },
    });
    return { link, token };
  });
