import { randomUUID } from 'node:crypto';
import type { Auth, SecretBox, ValidatedSession } from '@mfiq/auth';
import { sessionTokenHash } from '@mfiq/auth';
import type { Database } from '@mfiq/db';
import type { Logger } from 'pino';
import { createPlatform, type Platform } from './platform.ts';
import type { AuditRequestInfo } from './audit.ts';
import type { SignInThrottle } from './throttle.ts';
import { DEFAULT_IMPORT_MAX_BYTES, DEFAULT_IMPORT_QUOTAS, type ImportQuotas } from './imports/limits.ts';
import { DEFAULT_API_KEY_LIMIT, createShareLimiter, type LimitOutcome, type RateLimit } from './rate-limit.ts';
import type { FormPass } from './form-pass.ts';
import { STRICT_EGRESS, type EgressPolicy } from './egress/policy.ts';

export interface ApiDeps {
  /** Pool connected as the web's runtime role (subject to row-level security). */
  db: Database;
  auth: Auth;
  logger: Logger;
  /** Called once per procedure call with its outcome (the web feeds Prometheus from it). */
  observeProcedure?: ProcedureObserver;
  /** Seals application secrets (TOTP seeds) under the application key. */
  secretBox: SecretBox;
  /** Sign-in throttling (rate-limiter-flexible on PostgreSQL). */
  throttle: SignInThrottle;
  /** The public base URL for links in mail, from configuration (never from the Host header). */
  publicUrl: () => string;
  /** Requests per API key per window (defaults to DEFAULT_API_KEY_LIMIT). */
  apiKeyRateLimit?: RateLimit;
  /** Share-link view limits (defaults to DEFAULT_SHARE_LIMITS). */
  shareRateLimits?: { perIp: RateLimit; perLink: RateLimit };
  /** Largest CSV upload in bytes (defaults to DEFAULT_IMPORT_MAX_BYTES). */
  importMaxBytes?: number;
  /** Which webhook URLs may be saved (defaults to https to public addresses only). */
  webhookPolicy?: EgressPolicy;
  /** Per-organization import quotas (defaults to DEFAULT_IMPORT_QUOTAS). */
  importQuotas?: Partial<ImportQuotas>;
  /** Organization lifecycle settings (docs/decisions/0120); defaults: DEFAULT_LIFECYCLE. */
  lifecycle?: Partial<LifecycleSettings>;
  /** Where contact-form messages are mailed; none configured: they are only stored. */
  contacts?: ContactAddresses;
}

interface LifecycleSettings {
  /** Days between an owner's deletion request and the erasure; the organization is locked meanwhile. */
  deletionGraceDays: number;
  /**
   * Backups kept per organization: the operator's defaults and the most an owner may choose
   * (BACKUP_KEEP_DAILY/WEEKLY and their _MAX); the worker applies the same bounds.
   */
  backupRetention: { defaults: { daily: number; weekly: number }; max: { daily: number; weekly: number } };
}
const DEFAULT_LIFECYCLE: LifecycleSettings = {
  deletionGraceDays: 7,
  backupRetention: { defaults: { daily: 7, weekly: 4 }, max: { daily: 35, weekly: 52 } },
};

export interface ContactAddresses {
  /** The security contact (also in /.well-known/security.txt): security and privacy messages. */
  security: string | null;
  /** Everything else; unset: the security contact gets those too. */
  support: string | null;
}

export type ProcedureObserver = (event: { path: string; type: string; code: string; durationMs: number }) => void;

export interface CreateContextOptions {
  /** The request's headers (a fetch Request, or anything that reads headers the same way). */
  req: { headers: { get(name: string): string | null } };
  /** Headers the procedure wants on the response (Set-Cookie on sign-in and sign-out). */
  resHeaders: Headers;
  /** Resolved by the server from the socket or a trusted proxy, never from a client header. */
  clientIp: string | null;
  /** Only from a page action whose anti-abuse checks passed (form-pass.ts); never from HTTP. */
  formPass?: FormPass | null;
}

/**
 * The request's session, validated at most once however many procedures the request calls (one
 * session read per HTTP request, ADR 0081). A tenant procedure that finds nobody asked yet claims
 * the slot and validates the session inside its own entry statement (app_enter_request), then
 * settles it for everyone else waiting.
 */
export interface SessionSlot {
  get(): Promise<ValidatedSession | null>;
  claim(): { settle(value: ValidatedSession | null): void; abandon(): void } | null;
}

export interface Context {
  auth: Auth;
  secretBox: SecretBox;
  throttle: SignInThrottle;
  publicUrl: () => string;
  platform: Platform;
  logger: Logger;
  request: AuditRequestInfo;
  resHeaders: Headers;
  /** The raw token from the cookie, if any; sign-in uses it to end a previous session (fixation). */
  sessionToken: string | null;
  /** The request's session (validated lazily, once). Authed builders put `session` and `user` into the context. */
  sessionSlot: SessionSlot;
  observeProcedure: ProcedureObserver | undefined;
  /** The API key from `Authorization: Bearer <key>`, if the header is well formed. */
  apiKeyToken: string | null;
  apiKeyLimit: RateLimit;
  /** Set only by a page action after its form's anti-abuse checks (form-pass.ts). */
  formPass: FormPass | null;
  /** Counts one share-link view against its address's and its link's budgets. */
  limitShareView: (ip: string | null, tokenHash: string) => Promise<LimitOutcome>;
  limits: { importMaxBytes: number; imports: ImportQuotas };
  webhookPolicy: EgressPolicy;
  lifecycle: LifecycleSettings;
  contacts: ContactAddresses;
}

const REQUEST_ID = /^[A-Za-z0-9_.:-]{1,64}$/;
// `mfiq_` and 43 base64url characters (32 random bytes); anything else is not one of our keys.
const BEARER = /^Bearer (mfiq_[A-Za-z0-9_-]{43})$/;

function sessionSlot(auth: Auth, token: string | null): SessionSlot {
  let value: Promise<ValidatedSession | null> | null = token ? null : Promise.resolve(null);
  return {
    get() {
      value ??= auth.validateSessionToken(token!);
      return value;
    },
    claim() {
      if (value) return null;
      let settle!: (v: ValidatedSession | null | Promise<ValidatedSession | null>) => void;
      value = new Promise((resolve) => (settle = resolve));
      return {
        settle: (v) => settle(v),
        // The claimant failed before it learned the session: the others validate it themselves.
        abandon: () => settle(auth.validateSessionToken(token!)),
      };
    },
  };
}

/**
 * The request's logger (every line carries its request id), made on first use: most calls log
 * nothing, and a pino child per call was a measurable share of a tenant read (ADR 0141). Context
 * copies made by the builders keep the same stand-in, so one child at most per request.
 */
export function lazyRequestLogger(parent: Logger, requestId: string): Logger {
  let child: Logger | undefined;
  return new Proxy(parent, {
    get(_, key) {
      child ??= parent.child({ requestId });
      const value: unknown = Reflect.get(child, key, child);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(child) : value;
    },
  });
}

export function createContextFactory(deps: ApiDeps) {
  const platform = createPlatform(deps.db);
  const apiKeyLimit = deps.apiKeyRateLimit ?? DEFAULT_API_KEY_LIMIT;
  const limitShareView = createShareLimiter(deps.db, deps.shareRateLimits);
  const lifecycle: LifecycleSettings = { ...DEFAULT_LIFECYCLE, ...deps.lifecycle };
  const contacts: ContactAddresses = deps.contacts ?? { security: null, support: null };
  return async function createContext(opts: CreateContextOptions): Promise<Context> {
    const headerId = opts.req.headers.get('x-request-id');
    const requestId = headerId && REQUEST_ID.test(headerId) ? headerId : randomUUID();
    const sessionToken = deps.auth.readSessionToken(opts.req.headers.get('cookie'));
    return {
      auth: deps.auth,
      secretBox: deps.secretBox,
      throttle: deps.throttle,
      publicUrl: deps.publicUrl,
      platform,
      logger: lazyRequestLogger(deps.logger, requestId),
      request: {
        ip: opts.clientIp,
        userAgent: opts.req.headers.get('user-agent')?.slice(0, 512) ?? null,
        requestId,
      },
      resHeaders: opts.resHeaders,
      sessionToken,
      sessionSlot: sessionSlot(deps.auth, sessionToken),
      observeProcedure: deps.observeProcedure,
      apiKeyToken: BEARER.exec(opts.req.headers.get('authorization')?.trim() ?? '')?.[1] ?? null,
      apiKeyLimit,
      formPass: opts.formPass ?? null,
      limitShareView,
      limits: {
        importMaxBytes: deps.importMaxBytes ?? DEFAULT_IMPORT_MAX_BYTES,
        imports: { ...DEFAULT_IMPORT_QUOTAS, ...deps.importQuotas },
      },
      webhookPolicy: deps.webhookPolicy ?? STRICT_EGRESS,
      lifecycle,
      contacts,
    };
  };
}

/** The stored id (SHA-256) of the cookie's token: what sessions are looked up and ended by. */
export function sessionIdOf(ctx: Pick<Context, 'sessionToken'>): string | null {
  return ctx.sessionToken ? sessionTokenHash(ctx.sessionToken) : null;
}
