import { sql } from '@mfiq/db';
import { audit } from '../../audit.ts';
import { AppError } from '../../errors.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { findDashboard } from '../dashboards/query.ts';
import { newFormToken } from '../forms/token.ts';
import { endOfLocalDay, findShareLink } from './query.ts';
import { createShareLinkInput, MAX_LINKS_PER_DASHBOARD, shareLinkWithTokenOutput } from './schemas.ts';

/** A read-only link to one dashboard; the token is returned this once and stored as its SHA-256. */
export const create = tenantProcedure
  .meta(requirePermission('dashboards:write'))
  .input(createShareLinkInput)
  .output(shareLinkWithTokenOutput)
  .mutation(async ({ ctx, input }) => {
    const dashboard = await findDashboard(ctx.db, ctx.tenant.id, input.dashboardId, { forUpdate: true });
    const { n } = await ctx.db
      .selectFrom('dashboardShareLinks')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('tenantId', '=', ctx.tenant.id)
      .where('dashboardId', '=', dashboard.id)
      .executeTakeFirstOrThrow();
    if (n >= MAX_LINKS_PER_DASHBOARD)
      throw new AppError(
        'CONFLICT',
        `A dashboard has at most ${MAX_LINKS_PER_DASHBOARD} share links: delete revoked ones first`,
      );
    const expiresAt = input.expiresOn ? await endOfLocalDay(ctx.db, ctx.tenant.id, input.expiresOn) : null;
    if (expiresAt && expiresAt <= new Date())
      throw new AppError('INVALID', 'The link would have expired already: choose a later day', {
        fieldErrors: { expiresOn: ['Choose today or a later day'] },
      });
    const { token, hash, prefix } = newFormToken();
    const row = await ctx.db
      .insertInto('dashboardShareLinks')
      .values({
        tenantId: ctx.tenant.id,
        dashboardId: dashboard.id,
        label: input.label,
        tokenHash: hash,
        prefix,
        expiresAt,
        embedOrigins: input.embedOrigins,
        createdBy: ctx.user.id,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const link = await findShareLink(ctx.db, ctx.tenant.id, row.id);
    await audit(ctx, {
      action: 'dashboard.share_link_created',
      target: { type: 'dashboard', id: dashboard.id, display: dashboard.name },
      after: { linkId: row.id, label: input.label, linkPrefix: prefix, expiresAt, embedOrigins: input.embedOrigins },
    });
    return { link, token };
  });
