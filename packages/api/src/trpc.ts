/**
 * tRPC in three parts: (1) init with the error formatter, (2) middlewares, (3) the procedure
 * builders every router uses. Each builder adds one guarantee on top of the previous one.
 */
import { initTRPC, TRPCError } from '@trpc/server';
import superjson from 'superjson';
import { z } from 'zod';
import { createHash } from 'node:crypto';
import type { ApiScope, Role, Permission } from './permissions.ts';
import { can } from './permissions.ts';
import type { Context } from './context.ts';
import { AppError, isStatementTimeout, notFound, tooSlow } from './errors.ts';
import { audit, type AuditActor } from './audit.ts';
import type { ApiKeyTenant, MemberTenant, TenantDb } from '@mfiq/db';
import { enforceOrganizationPolicy } from './policy.ts';

// ---------------------------------------------------------------------------------------------
// 1. init
// ---------------------------------------------------------------------------------------------

/**
 * Who may call a procedure, declared on the procedure itself. The authorization test reads this
 * from the router, so a procedure without a declaration fails the build's tests.
 */
export type Access =
  | { kind: 'public' }
  | { kind: 'authed' }
  | { kind: 'tenant'; permission: Permission }
  | { kind: 'apiKey'; scope: ApiScope };
export interface Meta {
  access?: Access;
  /**
   * A public form's procedure: reachable only in-process from its page, whose action runs the
   * anti-abuse checks (honeypot, signed fill-time token, rate limits, CAPTCHA) first. The HTTP
   * endpoint refuses it (docs/decisions/0050-public-form-protection.md).
   */
  formOnly?: boolean;
}

const t = initTRPC
  .context<Context>()
  .meta<Meta>()
  .create({
    transformer: superjson,
    errorFormatter({ shape, error, ctx }) {
      let fieldErrors: Record<string, string[]> | undefined;
      let appCode: string | undefined;
      let retryAfterSeconds: number | undefined;
      if (error.cause instanceof z.ZodError) {
        fieldErrors = z.flattenError(error.cause).fieldErrors as Record<string, string[]>;
      } else if (error instanceof AppError) {
        fieldErrors = error.fieldErrors;
        appCode = error.appCode;
        retryAfterSeconds = error.retryAfterSeconds;
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
          appCode,
          retryAfterSeconds,
        },
      };
    },
  });

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

// ---------------------------------------------------------------------------------------------
// 2. middlewares
// ---------------------------------------------------------------------------------------------

/** Zod issues become a readable message listing the fields, not a JSON dump. */
const readableInputErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.code === 'BAD_REQUEST' && result.error.cause instanceof z.ZodError) {
    const issues = result.error.cause.issues
      .slice(0, 5)
      .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message));
    throw new TRPCError({
      code: 'BAD_REQUEST',
      message: `Invalid input: ${issues.join('; ')}`,
      cause: result.error.cause,
    });
  }
  return result;
});

/**
 * Every call, in-process or over HTTP, reports its path, outcome and duration to the observer the
 * server installed (Prometheus in the web app). Reads `result.ok`: never catches around next().
 */
const observe = t.middleware(async ({ ctx, path, type, next }) => {
  const started = performance.now();
  const result = await next();
  ctx.observeProcedure?.({
    path,
    type,
    code: result.ok ? 'OK' : result.error.code,
    durationMs: performance.now() - started,
  });
  return result;
});

/** True when any string in the value (at any depth) holds a NUL character. */
function hasNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (depth > 20 || value === null || typeof value !== 'object') return false;
  return Object.entries(value).some(([k, v]) => k.includes('\u0000') || hasNul(v, depth + 1));
}

/**
 * PostgreSQL text cannot hold NUL (0x00); a string with one would fail in the database as a 500.
 * Refused here for every procedure, before any schema or handler sees it (found by the scan).
 */
const refuseNul = t.middleware(async ({ getRawInput, next }) => {
  if (hasNul(await getRawInput()))
    throw new AppError('INVALID', 'Invalid input: text must not contain NUL characters.');
  return next();
});

/**
 * A statement past statement_timeout (the server's bound on one request's work) is a clear
 * TOO_SLOW answer, not an internal error (docs/decisions/0090-work-bounds.md). Reads `result.ok`.
 */
const boundedWork = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && isStatementTimeout(result.error.cause)) throw tooSlow();
  return result;
});

const base = t.procedure.use(observe).use(boundedWork).use(refuseNul);

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

interface TenantInfo {
  id: string;
  slug: string;
  name: string;
}

// ---------------------------------------------------------------------------------------------
// 3. builders
// ---------------------------------------------------------------------------------------------

export const publicProcedure = base.meta({ access: { kind: 'public' } }).use(readableInputErrors);

/** A public procedure behind one of the protected public forms (sign-up, sign-in, contact, password reset, data forms). */
export const publicFormProcedure = publicProcedure.meta({ access: { kind: 'public' }, formOnly: true });

export const authedProcedure = base
  .meta({ access: { kind: 'authed' } })
  .use(readableInputErrors)
  .use(requireSession);

/** Sensitive account changes (password, two-factor) need a proof of identity this recent. */
export const REAUTH_WINDOW_MS = 10 * 60_000;

/**
 * An authed procedure that also requires a recent sign-in or re-authentication on this session;
 * otherwise REAUTH_REQUIRED (FORBIDDEN), and the UI asks for the password (and code) again.
 */
export const recentAuthProcedure = authedProcedure.use(({ ctx, next }) => {
  if (ctx.auth.now().getTime() - ctx.session.authenticatedAt.getTime() > REAUTH_WINDOW_MS) {
    throw new AppError('REAUTH_REQUIRED', 'For your security, confirm your password before changing this.');
  }
  return next();
});

/**
 * Resolves the organization named by the route (untrusted slug) to the caller's membership, checks
 * the procedure's declared permission against the matrix, then runs the handler inside withTenant:
 * `ctx.db` is the tenant transaction and the only database handle a handler gets.
 * No membership -> NOT_FOUND (indistinguishable from a missing organization); no permission ->
 * FORBIDDEN (and a 'permission.denied' event in the tenant's audit trail); an organization locked
 * by the operators -> FORBIDDEN with the lock message, for every role and procedure (see
 * docs/decisions/0053-organization-lock.md); no declared permission -> refused, so a forgotten
 * declaration fails closed.
 */
export const tenantProcedure = base
  .use(readableInputErrors)
  .use(requireSession)
  .input(z.object({ slug: slugSchema }))
  .use(async ({ ctx, input, meta, path, next }) => {
    const access = meta?.access;
    if (access?.kind !== 'tenant')
      throw new Error('tenantProcedure without a declared permission: use requirePermission(...)');
    const run = (db: TenantDb, member: MemberTenant) =>
      next({
        ctx: {
          db,
          tenant: { id: member.tenantId, slug: member.slug, name: member.name } satisfies TenantInfo,
          role: member.role as Role,
          membershipId: member.membershipId,
        },
      });
    type Result = Awaited<ReturnType<typeof run>>;
    // Membership, permission and handler share one transaction, entered with the membership check
    // (withMemberTenant), so a removed or demoted member is refused at the next request. A refusal
    // or a failed result (the handler threw) leaves the transaction as a signal so it rolls back;
    // the result itself comes back out unchanged, without a try/catch around next().
    let stopped: { denied: AppError; tenantId: string | null } | { failed: Result } | undefined;
    const outcome = await ctx.platform
      .asMember(ctx.user.id, input.slug, async (db, member) => {
        if (member.lockedAt) {
          stopped = { denied: new AppError('FORBIDDEN', ORGANIZATION_LOCKED), tenantId: null };
          throw ROLLBACK;
        }
        const refused = await enforceOrganizationPolicy(ctx, member);
        if (refused) {
          stopped = { denied: refused, tenantId: null };
          throw ROLLBACK;
        }
        if (!can(member.role, access.permission)) {
          stopped = {
            denied: new AppError('FORBIDDEN', `Your role (${member.role}) does not allow this.`),
            tenantId: member.tenantId,
          };
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
        if ('denied' in stopped) {
          if (stopped.tenantId) await recordPermissionDenied(ctx, stopped.tenantId, access.permission, path);
          throw stopped.denied;
        }
        return { member: 'stopped' as const, result: stopped.failed };
      });
    if (outcome.member === null) throw notFound('Organization not found');
    return outcome.result;
  });

export const ORGANIZATION_LOCKED =
  'This organization is locked by the service operators. Contact support to have it unlocked.';

/**
 * A denial is a security event: it goes into the organization's audit trail in its own transaction
 * (the refused one rolled back), so admins and operators can see who probed what.
 */
async function recordPermissionDenied(
  ctx: Context & { user: { id: string; email: string } },
  tenantId: string,
  permission: Permission,
  path: string,
) {
  try {
    await ctx.platform.inTenant(tenantId, ctx.user.id, (db) =>
      audit(
        {
          db,
          tenant: { id: tenantId },
          actor: { type: 'user', id: ctx.user.id, display: ctx.user.email },
          request: ctx.request,
        },
        {
          action: 'permission.denied',
          outcome: 'failure',
          target: { type: 'procedure', id: path },
          after: { permission },
        },
      ),
    );
  } catch (error) {
    // The refusal stands either way; a lost event is logged, not turned into a 500.
    ctx.logger.error({ err: error }, 'could not record a permission denial');
  }
}

interface ApiKeyInfo {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
}

/**
 * For outside developers: authenticates `Authorization: Bearer <key>` (stored as its SHA-256;
 * revoked keys are not found), checks the procedure's declared scope, counts the request against
 * the key's rate limit, then runs the handler in the key's tenant exactly as tenantProcedure does
 * (one transaction entered with the lookup; audit actor type 'api_key'). The tenant is the key's
 * organization: nothing in the input can name another one.
 */
export const apiKeyProcedure = base.use(readableInputErrors).use(async ({ ctx, meta, next }) => {
  const access = meta?.access;
  if (access?.kind !== 'apiKey') throw new Error('apiKeyProcedure without a declared scope: use requireScope(...)');
  if (!ctx.apiKeyToken)
    throw new AppError('UNAUTHENTICATED', 'Send an API key in the Authorization header: Bearer <key>.');
  const tokenHash = createHash('sha256').update(ctx.apiKeyToken).digest('hex');
  const run = (db: TenantDb, key: ApiKeyTenant) =>
    next({
      ctx: {
        db,
        tenant: { id: key.tenantId, slug: key.slug, name: key.orgName } satisfies TenantInfo,
        apiKey: { id: key.keyId, name: key.keyName, prefix: key.keyPrefix, scopes: key.scopes } satisfies ApiKeyInfo,
        actor: { type: 'api_key', id: key.keyId, display: `${key.keyName} (${key.keyPrefix}…)` } satisfies AuditActor,
      },
    });
  type Result = Awaited<ReturnType<typeof run>>;
  let stopped: { denied: AppError } | { failed: Result } | undefined;
  const outcome = await ctx.platform
    .asApiKey(tokenHash, async (db, key) => {
      if (!key.scopes.includes(access.scope)) {
        stopped = { denied: new AppError('FORBIDDEN', `This API key lacks the ${access.scope} scope.`) };
        throw ROLLBACK;
      }
      const limit = await ctx.limitApiKey(key.keyId);
      if (!limit.ok) {
        ctx.resHeaders.set('Retry-After', String(limit.retryAfterSec));
        stopped = {
          denied: new AppError(
            'RATE_LIMITED',
            `Too many requests for this API key. Retry in ${limit.retryAfterSec} s.`,
          ),
        };
        throw ROLLBACK;
      }
      const result = await run(db, key);
      if (!result.ok) {
        stopped = { failed: result };
        throw ROLLBACK;
      }
      return result;
    })
    .catch((error: unknown) => {
      if (error !== ROLLBACK || !stopped) throw error;
      if ('denied' in stopped) throw stopped.denied;
      return { key: 'stopped' as const, result: stopped.failed };
    });
  if (outcome.key === null) throw new AppError('UNAUTHENTICATED', 'This API key is not valid or has been revoked.');
  return outcome.result;
});

/** `apiKeyProcedure.meta(requireScope('data:write'))`: the scope the key must carry. */
export function requireScope(scope: ApiScope): Meta {
  return { access: { kind: 'apiKey', scope } };
}

/** `tenantProcedure.meta(requirePermission('org:update'))`: the permission the matrix must grant. */
export function requirePermission(permission: Permission): Meta {
  return { access: { kind: 'tenant', permission } };
}
