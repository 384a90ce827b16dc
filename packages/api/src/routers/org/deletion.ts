import { sql } from '@mfiq/db';
import { z } from 'zod';
import { audit } from '../../audit.ts';
import { AppError } from '../../errors.ts';
import { enqueueMail, mails } from '../../mail.ts';
import { can } from '../../permissions.ts';
import { REAUTH_WINDOW_MS, requirePermission, tenantProcedure } from '../../trpc.ts';
import type { TenantDb } from '@mfiq/db';
import { link } from '../auth/session-cookie.ts';
import { pendingDeletionProcedure } from './pending-deletion.ts';
import { deletionStatusOutput, requestDeletionInput, slugOnlyOutput } from './schemas.ts';

/** The organization's owners, who hear about its deletion (the app role reads users' emails). */
async function ownerEmails(db: TenantDb, tenantId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.userId')
    .select('users.email')
    .where('memberships.tenantId', '=', tenantId)
    .where('memberships.role', '=', 'owner')
    .execute();
  return rows.map((r) => r.email);
}

/**
 * An owner asks for the organization to be deleted: after a recent re-authentication, typing its
 * address. The organization is locked at once for every member and every way in; after the grace
 * period the worker erases it (docs/decisions/0121). Every owner is told by mail, with the link
 * to cancel.
 */
export const requestDeletion = tenantProcedure
  .meta(requirePermission('org:delete'))
  .input(requestDeletionInput)
  .use(({ ctx, next }) => {
    if (ctx.auth.now().getTime() - ctx.session.authenticatedAt.getTime() > REAUTH_WINDOW_MS)
      throw new AppError(
        'REAUTH_REQUIRED',
        'For your security, confirm your password before deleting the organization.',
      );
    return next();
  })
  .output(z.object({ dueAt: z.date() }))
  .mutation(async ({ ctx, input }) => {
    if (input.confirmSlug !== ctx.tenant.slug) {
      const message = `Type ${ctx.tenant.slug} exactly to confirm.`;
      throw new AppError('INVALID', message, { fieldErrors: { confirmSlug: [message] } });
    }
    const graceDays = ctx.lifecycle.deletionGraceDays;
    const { rows } = await sql<{
      dueAt: Date | null;
    }>`select app_request_organization_deletion(${graceDays}::int) as "dueAt"`.execute(ctx.db);
    const dueAt = rows[0]?.dueAt;
    if (!dueAt) throw new AppError('CONFLICT', 'This organization is locked; its deletion cannot be requested now.');
    await audit(ctx, {
      action: 'organization.deletion_requested',
      target: { type: 'organization', id: ctx.tenant.id, display: ctx.tenant.name },
      after: { dueAt, graceDays },
    });
    for (const to of await ownerEmails(ctx.db, ctx.tenant.id)) {
      await enqueueMail(
        ctx.db,
        mails.deletionRequested(to, {
          orgName: ctx.tenant.name,
          slug: ctx.tenant.slug,
          by: ctx.user.email,
          dueAt,
          link: link(ctx, `/orgs/${ctx.tenant.slug}`),
          organizationId: ctx.tenant.id,
        }),
      );
    }
    return { dueAt };
  });

/** What is scheduled for an organization whose deletion is pending, for any of its members. */
export const deletionStatus = pendingDeletionProcedure
  .meta(requirePermission('org:read'))
  .output(deletionStatusOutput)
  .query(({ ctx }) => ({
    slug: ctx.tenant.slug,
    name: ctx.tenant.name,
    requestedAt: ctx.deletion.requestedAt,
    dueAt: ctx.deletion.dueAt,
    requestedBy: ctx.deletion.by,
    canCancel: can(ctx.role, 'org:delete'),
  }));

/**
 * An owner cancels a pending deletion until the erasure starts: the deletion's lock is lifted (an
 * operator's lock, if any, stays), audited, and the owners are told.
 */
export const cancelDeletion = pendingDeletionProcedure
  .meta(requirePermission('org:delete'))
  .output(slugOnlyOutput)
  .mutation(async ({ ctx }) => {
    const { rows } = await sql<{ cancelled: boolean }>`select app_cancel_organization_deletion() as cancelled`.execute(
      ctx.db,
    );
    if (!rows[0]?.cancelled) throw new AppError('CONFLICT', 'The deletion was already cancelled or has started.');
    await audit(ctx, {
      action: 'organization.deletion_cancelled',
      target: { type: 'organization', id: ctx.tenant.id, display: ctx.tenant.name },
      before: { dueAt: ctx.deletion.dueAt },
    });
    for (const to of await ownerEmails(ctx.db, ctx.tenant.id)) {
      await enqueueMail(
        ctx.db,
        mails.deletionCancelled(to, { orgName: ctx.tenant.name, by: ctx.user.email, organizationId: ctx.tenant.id }),
      );
    }
    return { slug: ctx.tenant.slug };
  });
