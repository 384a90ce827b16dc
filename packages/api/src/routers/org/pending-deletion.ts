import { z } from 'zod';
import type { PendingDeletionTenant, TenantDb } from '@mfiq/db';
import { audit } from '../../audit.ts';
import { AppError, notFound } from '../../errors.ts';
import { can, type Role } from '../../permissions.ts';
import { authedProcedure, slugSchema } from '../../trpc.ts';

const ROLLBACK = Symbol('rollback');

/**
 * For the two things a member may do with an organization whose deletion is pending (it is locked,
 * so tenantProcedure refuses it): see what is scheduled, and, as an owner, cancel. Same answers as
 * tenantProcedure: not a member, or nothing pending -> NOT_FOUND; a role without the declared
 * permission -> FORBIDDEN (recorded in the organization's trail); the handler gets `ctx.db`, the
 * tenant transaction that app_enter_pending_deletion entered.
 */
export const pendingDeletionProcedure = authedProcedure
  .input(z.object({ slug: slugSchema }))
  .use(async ({ ctx, input, meta, path, next }) => {
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
    let stopped: { denied: string; role: string } | { failed: Result } | undefined;
    const outcome = await ctx.platform
      .asPendingDeletion(ctx.user.id, input.slug, async (db, member) => {
        if (!can(member.role as Role, access.permission)) {
          stopped = { denied: member.tenantId, role: member.role };
          throw ROLLBACK;
        }
        const result = await run(db, member);
        if (!result.ok) {
          stopped = { failed: result };
          throw ROLLBACK;
        }
        return result;
      })
      .catch(async (error: unknown) => {
        if (error !== ROLLBACK || !stopped) throw error;
        if ('failed' in stopped) return { member: 'stopped' as const, result: stopped.failed };
        const { denied: tenantId, role } = stopped;
        await ctx.platform
          .inTenant(tenantId, ctx.user.id, (db) =>
            audit(
              { db, tenant: { id: tenantId }, actor: ctx.actor, request: ctx.request },
              {
                action: 'permission.denied',
                outcome: 'failure',
                target: { type: 'procedure', id: path },
                after: { permission: access.permission },
              },
            ),
          )
          .catch((e: unknown) => ctx.logger.error({ err: e }, 'could not record a permission denial'));
        throw new AppError('FORBIDDEN', `Your role (${role}) does not allow this.`);
      });
    if (outcome.member === null) throw notFound('Organization not found');
    return outcome.result;
  });
