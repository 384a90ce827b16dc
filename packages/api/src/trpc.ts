/**
 * tRPC in three parts: (1) init with the error formatter, (2) middlewares, (3) the procedure
 * builders every router uses. Each builder adds one guarantee on top of the previous one.
 */
import { initTRPC, TRPCError } from '@trpc/server';
import superjson from 'superjson';
import { z } from 'zod';
import type { Role, Permission } from './permissions.ts';
import { can } from './permissions.ts';
import type { Context } from './context.ts';
import { AppError, notFound } from './errors.ts';
import type { AuditActor } from './audit.ts';
import type { TenantDb } from '@mfiq/db';

// ---------------------------------------------------------------------------------------------
// 1. init
// ---------------------------------------------------------------------------------------------

/**
 * Who may call a procedure, declared on the procedure itself. The authorization test reads this
 * from the router, so a procedure without a declaration fails the build's tests.
 */
export type Access = { kind: 'public' } | { kind: 'authed' } | { kind: 'tenant'; permission: Permission };
export interface Meta {
  access?: Access;
}

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    transformer: superjson,
    errorFormatter({ shape, error, ctx }) {
      let fieldErrors: Record<string, string[]> | undefined;
      if (error.cause instanceof z.ZodError) {
        fieldErrors = z.flattenError(error.cause).fieldErrors as Record<string, string[]>;
      } else if (error instanceof AppError) {
        fieldErrors = error.fieldErrors;
      }
      const internal = error.code === 'INTERNAL_SERVER_ERROR';
      if (internal) ctx?.logger.error({ err: error.cause ?? error }, 'unexpected error');
      return {
        ...shape,
        // An unexpected error says nothing about its cause; the request id finds it in the logs.
        message: internal ? `Something went wrong. Reference: ${ctx?.request.requestId ?? 'unknown'}` : shape.message,
        data: {
          code: shape.data.code,
          httpStatus: shape.data.httpStatus,
          path: shape.data.path,
          requestId: ctx?.request.requestId,
          fieldErrors,
        },
      };
    },
  });

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const middleware = t.middleware;

// ---------------------------------------------------------------------------------------------
// 2. middlewares
// ---------------------------------------------------------------------------------------------

/** Zod issues become a readable message listing the fields, not a JSON dump. */
const readableInputErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.code === 'BAD_REQUEST' && result.error.cause instanceof z.ZodError) {
    const issues = result.error.cause.issues.slice(0, 5).map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message));
    throw new TRPCError({ code: 'BAD_REQUEST', message: `Invalid input: ${issues.join('; ')}`, cause: result.error.cause });
  }
  return result;
});

const requireSession = t.middleware(({ ctx, next }) => {
  if (!ctx.session || !ctx.user) throw new AppError('UNAUTHENTICATED', 'Sign in to continue.');
  const actor: AuditActor = { type: 'user', id: ctx.user.id, display: ctx.user.email };
  return next({ ctx: { session: ctx.session, user: ctx.user, actor } });
});

const ROLLBACK = Symbol('rollback');

export const slugSchema = z
  .string()
  .trim()
  .toLowerCase()
  .min(1, 'Organization is required')
  .max(48, 'Organization slug is at most 48 characters')
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, 'Organization slug has only lowercase letters, digits and dashes');

export interface TenantInfo {
  id: string;
  slug: string;
  name: string;
}

// ---------------------------------------------------------------------------------------------
// 3. builders
// ---------------------------------------------------------------------------------------------

export const publicProcedure = t.procedure.meta({ access: { kind: 'public' } }).use(readableInputErrors);

export const authedProcedure = t.procedure.meta({ access: { kind: 'authed' } }).use(readableInputErrors).use(requireSession);

/**
 * Resolves the organization named by the route (untrusted slug) to the caller's membership, checks
 * the procedure's declared permission against the matrix, then runs the handler inside withTenant:
 * `ctx.db` is the tenant transaction and the only database handle a handler gets.
 * No membership -> NOT_FOUND (indistinguishable from a missing organization); no permission ->
 * FORBIDDEN; no declared permission -> refused, so a forgotten declaration fails closed.
 */
export const tenantProcedure = t.procedure
  .use(readableInputErrors)
  .use(requireSession)
  .input(z.object({ slug: slugSchema }))
  .use(async ({ ctx, input, meta, next }) => {
    const access = meta?.access;
    if (access?.kind !== 'tenant') throw new Error('tenantProcedure without a declared permission: use requirePermission(...)');
    const membership = await ctx.platform.resolveMembership(ctx.user.id, input.slug);
    if (!membership) throw notFound('Organization not found');
    if (!can(membership.role, access.permission)) {
      throw new AppError('FORBIDDEN', `Your role (${membership.role}) does not allow this.`);
    }
    const tenant: TenantInfo = { id: membership.tenantId, slug: membership.slug, name: membership.name };
    const role: Role = membership.role;
    const run = (db: TenantDb) => next({ ctx: { db, tenant, role, membershipId: membership.membershipId } });
    // A failed result (the handler threw) must roll the transaction back: it leaves withTenant as a
    // thrown signal and comes back out as the same result, without a try/catch around next().
    let failed: Awaited<ReturnType<typeof run>> | undefined;
    return ctx.platform
      .inTenant(tenant.id, ctx.user.id, async (db) => {
        const result = await run(db);
        if (!result.ok) {
          failed = result;
          throw ROLLBACK;
        }
        return result;
      })
      .catch((error: unknown) => {
        if (error === ROLLBACK && failed) return failed;
        throw error;
      });
  });

/** `tenantProcedure.meta(requirePermission('org:update'))`: the permission the matrix must grant. */
export function requirePermission(permission: Permission): Meta {
  return { access: { kind: 'tenant', permission } };
}
