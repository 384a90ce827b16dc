/**
 * tRPC in three parts: (1) init with the error formatter, (2) middlewares, (3) the procedure
 * builders every router uses. Each builder adds one guarantee on top of the previous one.
 */
import { initTRPC, TRPCError } from '@trpc/server';
import superjson from 'superjson';
import { z } from 'zod';
import { createHash } from 'node:crypto';
import { validatedFromRow, type ValidatedSession } from '@mfiq/auth';
import { ACQUIRE_TIMEOUT_MESSAGE, Rollback, type ApiKeyTenant, type MemberTenant, type TenantDb } from '@mfiq/db';
import type { ApiScope, Role, Permission } from './permissions.ts';
import { can } from './permissions.ts';
import type { Context } from './context.ts';
import { AppError, isStatementTimeout, notFound, tooSlow } from './errors.ts';
import { audit, type AuditActor } from './audit.ts';
import { applyPolicyVerdict, judgeOrganizationPolicy, type PolicyVerdict } from './policy.ts';
import { spendFormPass, type PublicFormId } from './form-pass.ts';
import { unstorableTextPath } from './input-text.ts';
import { ORGANIZATION_LOCKED } from './messages.ts';
import { slugSchema } from './shared/fields.ts';

export { ORGANIZATION_LOCKED };

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
   * A public form's procedure: it runs only with a pass for this form in its context, which only
   * the page's action can put there after the anti-abuse checks (honeypot, signed fill-time token,
   * rate limits, CAPTCHA). See form-pass.ts and docs/decisions/0050-public-form-protection.md.
   */
  formOnly?: PublicFormId;
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

/**
 * Zod issues become a readable message listing the fields, not a JSON dump; bounds reached are
 * answers, not 500s: no free database connection in time (pool acquire timeout) is a 503, a statement
 * past statement_timeout (the bound on one request's work, ADR 0090) a clear TOO_SLOW. Any other
 * result stays as it is (null).
 */
function edgeAnswer(error: TRPCError): TRPCError | null {
  if (error.code === 'BAD_REQUEST' && error.cause instanceof z.ZodError) {
    const issues = error.cause.issues
      .slice(0, 5)
      .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message));
    return new TRPCError({ code: 'BAD_REQUEST', message: `Invalid input: ${issues.join('; ')}`, cause: error.cause });
  }
  if (error.code !== 'INTERNAL_SERVER_ERROR') return null;
  const cause = error.cause as { message?: unknown } | undefined;
  if (cause?.message === ACQUIRE_TIMEOUT_MESSAGE) {
    return new TRPCError({
      code: 'SERVICE_UNAVAILABLE',
      message: 'The service is busy. Try again in a moment.',
      cause,
    });
  }
  return isStatementTimeout(cause) ? tooSlow() : null;
}

/**
 * Text the database cannot store (NUL, lone UTF-16 surrogates) is refused for every procedure, at
 * the edge and naming the field, before any schema or handler sees it: otherwise it fails in
 * PostgreSQL (an audit event's JSON, a text column) as a 500.
 */
function unstorableTextError(rawInput: unknown): AppError | null {
  const path = unstorableTextPath(rawInput);
  if (path === null) return null;
  const message = `Invalid input: ${path} holds characters that cannot be stored (NUL or an unpaired surrogate).`;
  return new AppError('INVALID', message, { fieldErrors: { [path.split('.')[0]!]: [message] } });
}

/**
 * The edge of every procedure, as one middleware (each tRPC middleware layer costs a context copy
 * and a promise per call, ADR 0141): every call, in-process or over HTTP, reports its path, final
 * outcome and duration to the observer the server installed (Prometheus in the web app); unstorable
 * text is refused before any schema; the result is turned into its edge answer (edgeAnswer). Reads
 * `result.ok`: never catches around next().
 */
const edge = t.middleware(async ({ ctx, path, type, getRawInput, next }) => {
  const started = performance.now();
  const refused = unstorableTextError(await getRawInput());
  let failure: TRPCError | null = refused;
  let result: Awaited<ReturnType<typeof next>> | undefined;
  if (!refused) {
    result = await next();
    if (!result.ok) failure = edgeAnswer(result.error);
  }
  ctx.observeProcedure?.({
    path,
    type,
    code: failure ? failure.code : result!.ok ? 'OK' : result!.error.code,
    durationMs: performance.now() - started,
  });
  if (failure) throw failure;
  return result!;
});

const base = t.procedure.use(edge);

interface Signedin {
  session: ValidatedSession['session'];
  user: ValidatedSession['user'];
  sessionIdleMs: number;
  actor: AuditActor;
}

const signedIn = (v: ValidatedSession): Signedin => ({
  session: v.session,
  user: v.user,
  sessionIdleMs: v.idleMs,
  actor: { type: 'user', id: v.user.id, display: v.user.email },
});

/** The request's session (validated once per request, see SessionSlot); none -> UNAUTHENTICATED. */
const requireSession = t.middleware(async ({ ctx, next }) => {
  const validated = await ctx.sessionSlot.get();
  if (!validated) throw new AppError('UNAUTHENTICATED', 'Sign in to continue.');
  return next({ ctx: signedIn(validated) });
});

// Defined with the client-safe fields: forms in the browser parse a slug the same way.
export { slugSchema };

interface TenantInfo {
  id: string;
  slug: string;
  name: string;
}

// ---------------------------------------------------------------------------------------------
// 3. builders
// ---------------------------------------------------------------------------------------------

export const publicProcedure = base.meta({ access: { kind: 'public' } });

/**
 * A public procedure behind one of the protected public forms (sign-up, sign-in, contact, password
 * reset, data forms): it runs only with a live pass for `form` in its context (form-pass.ts).
 */
export function publicFormProcedure(form: PublicFormId) {
  return publicProcedure.meta({ access: { kind: 'public' }, formOnly: form }).use(({ ctx, next }) => {
    if (!spendFormPass(ctx.formPass, form)) {
      throw new AppError('FORBIDDEN', "This is available only through its page's form.");
    }
    return next();
  });
}

export const authedProcedure = base.meta({ access: { kind: 'authed' } }).use(requireSession);

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

/** Why a tenant transaction was rolled back instead of committed (the value a Rollback carries). */
type Stopped<R> =
  | { kind: 'ran'; result: R }
  | { kind: 'failed'; result: R }
  | { kind: 'denied' }
  | { kind: 'policy'; verdict: NonNullable<PolicyVerdict> };

/**
 * Resolves the organization named by the route (untrusted slug) to the caller's membership, checks
 * the organization's policy and the procedure's declared permission, then runs the handler in that
 * tenant's transaction: `ctx.db` is the only database handle a handler gets. One round trip enters
 * the tenant: BEGIN with app_enter_request (session, membership, policy columns, lock, settings), or
 * app_enter_tenant when this request already validated its session. Queries (read-only) answer
 * before their COMMIT. No session -> UNAUTHENTICATED; no membership -> NOT_FOUND (indistinguishable
 * from a missing organization); locked -> FORBIDDEN with the lock message (ADR 0053); policy ->
 * the session ends or two-factor is required; no permission -> FORBIDDEN and a 'permission.denied'
 * event; no declared permission -> refused, so a forgotten declaration fails closed. Refusals and
 * failed results roll back (Rollback), without a try/catch around next(); nothing else is done on
 * the pool while the tenant connection is held (ADR 0081).
 */
export const tenantProcedure = base
  .input(z.object({ slug: slugSchema }))
  .use(async ({ ctx, input, meta, path, type, next }) => {
    const access = meta?.access;
    if (access?.kind !== 'tenant') {
      throw new Error('tenantProcedure without a declared permission: use requirePermission(...)');
    }
    const readOnly = type === 'query';
    const run = (db: TenantDb, who: ValidatedSession, member: MemberTenant) =>
      next({
        ctx: {
          ...signedIn(who),
          db,
          tenant: { id: member.tenantId, slug: member.slug, name: member.name } satisfies TenantInfo,
          role: member.role as Role,
          membershipId: member.membershipId,
        },
      });
    type Result = Awaited<ReturnType<typeof run>>;
    const guarded = async (db: TenantDb, who: ValidatedSession, member: MemberTenant): Promise<Stopped<Result>> => {
      const verdict = judgeOrganizationPolicy(ctx.auth.now(), who.session, who.idleMs, member);
      if (verdict) throw new Rollback<Stopped<Result>>({ kind: 'policy', verdict });
      if (!can(member.role, access.permission)) throw new Rollback<Stopped<Result>>({ kind: 'denied' });
      const result = await run(db, who, member);
      if (!result.ok) throw new Rollback<Stopped<Result>>({ kind: 'failed', result });
      return { kind: 'ran', result };
    };

    let who: ValidatedSession | null;
    let member: MemberTenant | null;
    let stopped: Stopped<Result> | undefined;
    const claim = ctx.sessionSlot.claim();
    if (claim && ctx.sessionToken) {
      let out: Awaited<ReturnType<typeof ctx.platform.asRequest<Stopped<Result>>>>;
      try {
        out = await ctx.platform.asRequest(
          {
            tokenHash: createHash('sha256').update(ctx.sessionToken).digest('hex'),
            slug: input.slug,
            rules: ctx.auth.sessionRules(),
            readOnly,
          },
          (db, entry) => {
            const validated = validatedFromRow(entry.session);
            claim.settle(validated); // the request's other procedures need not wait for this one's handler
            return guarded(db, validated, entry.member);
          },
        );
      } catch (error) {
        claim.abandon();
        throw error;
      }
      const { entry } = out;
      who = entry.status === 'no_session' ? null : validatedFromRow(entry.session);
      claim.settle(who);
      member = entry.status === 'locked' || entry.status === 'entered' ? entry.member : null;
      stopped = out.ran ? out.result : undefined;
    } else {
      claim?.settle(null);
      who = await ctx.sessionSlot.get();
      if (!who) throw new AppError('UNAUTHENTICATED', 'Sign in to continue.');
      const session = who;
      const out = await ctx.platform.asMember({ userId: session.user.id, slug: input.slug, readOnly }, (db, m) =>
        guarded(db, session, m),
      );
      member = out.member;
      stopped = out.ran ? out.result : undefined;
    }
    if (!who) throw new AppError('UNAUTHENTICATED', 'Sign in to continue.');
    if (!member) throw notFound('Organization not found');
    if (!stopped) throw new AppError('FORBIDDEN', ORGANIZATION_LOCKED);
    switch (stopped.kind) {
      case 'ran':
      case 'failed':
        return stopped.result;
      case 'policy':
        throw await applyPolicyVerdict(ctx, who.session, who.user, member, stopped.verdict);
      case 'denied':
        await recordPermissionDenied(ctx, who.user, member.tenantId, access.permission, path);
        throw new AppError('FORBIDDEN', `Your role (${member.role}) does not allow this.`);
    }
  });

/**
 * A denial is a security event: it goes into the organization's audit trail in its own transaction
 * (the refused one rolled back), so admins and operators can see who probed what.
 */
async function recordPermissionDenied(
  ctx: Context,
  user: { id: string; email: string },
  tenantId: string,
  permission: Permission,
  path: string,
) {
  try {
    await ctx.platform.inTenant(tenantId, user.id, (db) =>
      audit(
        {
          db,
          tenant: { id: tenantId },
          actor: { type: 'user', id: user.id, display: user.email },
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
 * revoked keys are not found), counts the request against the key's rate limit, refuses a locked
 * organization, checks the procedure's declared scope, then runs the handler in the key's tenant as
 * tenantProcedure does (audit actor type 'api_key'), all on one connection. The tenant is the key's
 * organization: nothing in the input can name another one.
 */
export const apiKeyProcedure = base.use(async ({ ctx, meta, type, next }) => {
  const access = meta?.access;
  if (access?.kind !== 'apiKey') throw new Error('apiKeyProcedure without a declared scope: use requireScope(...)');
  if (!ctx.apiKeyToken) {
    throw new AppError('UNAUTHENTICATED', 'Send an API key in the Authorization header: Bearer <key>.');
  }
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
  const out = await ctx.platform.asApiKey(
    {
      tokenHash: createHash('sha256').update(ctx.apiKeyToken).digest('hex'),
      limit: { points: ctx.apiKeyLimit.points, windowMs: ctx.apiKeyLimit.durationSec * 1000 },
      readOnly: type === 'query',
    },
    async (db, key): Promise<Stopped<Result>> => {
      if (!key.scopes.includes(access.scope)) throw new Rollback<Stopped<Result>>({ kind: 'denied' });
      const result = await run(db, key);
      if (!result.ok) throw new Rollback<Stopped<Result>>({ kind: 'failed', result });
      return { kind: 'ran', result };
    },
  );
  switch (out.status) {
    case 'unknown':
      throw new AppError('UNAUTHENTICATED', 'This API key is not valid or has been revoked.');
    case 'rate_limited':
      ctx.resHeaders.set('Retry-After', String(out.retryAfterSec));
      throw new AppError('RATE_LIMITED', `Too many requests for this API key. Retry in ${out.retryAfterSec} s.`, {
        retryAfterSeconds: out.retryAfterSec,
      });
    case 'locked':
      throw new AppError('FORBIDDEN', ORGANIZATION_LOCKED);
    case 'ran':
      break;
  }
  const stopped = out.result;
  switch (stopped.kind) {
    case 'ran':
    case 'failed':
      return stopped.result;
    case 'denied':
      throw new AppError('FORBIDDEN', `This API key lacks the ${access.scope} scope.`);
    case 'policy':
      throw new Error('API keys have no session policy');
  }
});

/** `apiKeyProcedure.meta(requireScope('data:write'))`: the scope the key must carry. */
export function requireScope(scope: ApiScope): Meta {
  return { access: { kind: 'apiKey', scope } };
}

/** `tenantProcedure.meta(requirePermission('org:update'))`: the permission the matrix must grant. */
export function requirePermission(permission: Permission): Meta {
  return { access: { kind: 'tenant', permission } };
}
