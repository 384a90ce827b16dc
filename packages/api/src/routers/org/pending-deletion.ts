import { z } from 'zod';
import { Rollback, type PendingDeletionTenant, type TenantDb } from '@mfiq/db';
import { audit, type AuditActor } from '../../audit.ts';
import { AppError, notFound } from '../../errors.ts';
import { can, type Permission, type Role } from '../../permissions.ts';
import { authedProcedure, slugSchema } from '../../trpc.ts';
import type { Context } from '../../context.ts';

/** Why the pending-deletion transaction ended (the value a Rollback carries, as in tenantProcedure). */
type Stopped<R> = { kind: 'ran'; result: R } | { kind: 'failed'; result: R } | { kind: 'denied' };

/**
 * For the two things a member may do with an organization whose deletion is pending (it is locked,
 * so tenantProcedure refuses it): see what is scheduled, and, as an owner, cancel. Same answers as
 * tenantProcedure: not a member, or nothing pending -> NOT_FOUND; a role without the declared
 * permission -> FORBIDDEN (recorded in the organization's trail); the handler gets `ctx.db`, the
 * tenant transaction that app_enter_pending_deletion entered (a thin entry over enterTenant, ADR
 * 0081). Refusals and failed results roll back through Rollback; queries answer before COMMIT.
 */
export const pendingDeletionProcedure = authedProcedure
  .input(z.object({ slug: slugSchema }))
  .use(async ({ ctx, input, meta, path, type, next }) => {
    const access = meta?.access;
    if (access?.kind !== 'tenant')
      throw new Error('pendingDeletionProcedure without a declared permission: use requirePermission(...)');
    const run = (db: TenantDb, member: PendingDeletionTenant) =>
      next({
        ctx: {
          db,
          tenant: { id: member.tenantId, slug: member.slug, name: member.name },
          role: member.role as Role,
          deletion: { requestedAt: member.deletionRequestedAt, dueAt: member.deletionDueAt, by: member.requestedBy },
        },
      });
    type Result = Awaited<ReturnType<typeof run>>;
    const out = await ctx.platform.asPendingDeletion(
      { userId: ctx.user.id, slug: input.slug, readOnly: type === 'query' },
      async (db, member): Promise<Stopped<Result>> => {
        if (!can(member.role as Role, access.permission)) throw new Rollback<Stopped<Result>>({ kind: 'denied' });
        const result = await run(db, member);
        if (!result.ok) throw new Rollback<Stopped<Result>>({ kind: 'failed', result });
        return { kind: 'ran', result };
      },
    );
    if (out.member === null) throw notFound('Organization not found');
    const stopped = out.result;
    if (stopped.kind !== 'denied') return stopped.result;
    await recordDenied(ctx, { userId: ctx.user.id, actor: ctx.actor }, input.slug, access.permission, path);
    throw new AppError('FORBIDDEN', `Your role (${out.member.role}) does not allow this.`);
  });

/**
 * The denial goes into the organization's trail in its own transaction (the refused one rolled
 * back), entered the same way: the organization is still locked, so the ordinary entry refuses it.
 */
async function recordDenied(
  ctx: Context,
  who: { userId: string; actor: AuditActor },
  slug: string,
  permission: Permission,
  path: string,
) {
  const event = {
    action: 'permission.denied',
    outcome: 'failure',
    target: { type: 'procedure', id: path },
    after: { permission },
  } as const;
  try {
    await ctx.platform.asPendingDeletion({ userId: who.userId, slug }, (db, member) =>
      audit({ db, tenant: { id: member.tenantId }, actor: who.actor, request: ctx.request }, event),
    );
  } catch (error) {
    // The refusal stands either way; a lost event is logged, not turned into a 500.
    ctx.logger.error({ err: error }, 'could not record a permission denial');
  }
}
