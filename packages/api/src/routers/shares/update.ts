import { audit, changedFields } from '../../audit.ts';
import { AppError } from '../../errors.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { endOfLocalDay, findShareLink } from './query.ts';
import { shareLinkOutput, updateShareLinkInput } from './schemas.ts';

/** Relabels a link, changes its expiry or the origins that may embed it. */
export const update = tenantProcedure
  .meta(requirePermission('dashboards:write'))
  .input(updateShareLinkInput)
  .output(shareLinkOutput)
  .mutation(async ({ ctx, input }) => {
    const before = await findShareLink(ctx.db, ctx.tenant.id, input.id, { forUpdate: true });
    if (before.status === 'revoked') throw new AppError('CONFLICT', 'This link is revoked: create a new one');
    const expiresAt =
      input.expiresOn === undefined
        ? undefined
        : input.expiresOn === null
          ? null
          : await endOfLocalDay(ctx.db, ctx.tenant.id, input.expiresOn);
    await ctx.db
      .updateTable('dashboardShareLinks')
      .set({ label: input.label, expiresAt, embedOrigins: input.embedOrigins })
      .where('tenantId', '=', ctx.tenant.id)
      .where('id', '=', input.id)
      .execute();
    const after = await findShareLink(ctx.db, ctx.tenant.id, input.id);
    const pick = (l: typeof before) => ({
      label: l.label,
      expiresAt: l.expiresAt?.toISOString() ?? null,
      embedOrigins: l.embedOrigins.join(' '),
    });
    const diff = changedFields(pick(before), pick(after));
    if (Object.keys(diff.after).length) {
      await audit(ctx, {
        action: 'dashboard.share_link_updated',
        target: { type: 'dashboard', id: after.dashboardId, display: after.label },
        before: { linkId: input.id, ...diff.before },
        after: { linkId: input.id, ...diff.after },
      });
    }
    return after;
  });
