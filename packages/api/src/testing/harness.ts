import { createAuth, createSecretBox, generateAppKey } from '@mfiq/auth';
import type { TestDatabase } from '@mfiq/db/testing';
import pg from 'pg';
import pino from 'pino';
import { withTenant, type Database } from '@mfiq/db';
import { createContextFactory, type ApiDeps } from '../context.ts';
import { appRouter, createCaller } from '../root.ts';
import { issueFormPass, type PublicFormId } from '../form-pass.ts';
import type { ApiScope, Role } from '../permissions.ts';
import type { ImportQuotas } from '../imports/limits.ts';
import type { RateLimit } from '../rate-limit.ts';
import { createSignInThrottle, DEFAULT_THROTTLE, type ThrottleLimits } from '../throttle.ts';
import type { EgressPolicy } from '../egress/policy.ts';

export const TEST_PASSWORD = 'correct horse battery staple';

const procedures = appRouter._def.procedures as unknown as Record<
  string,
  { _def: { meta?: { formOnly?: PublicFormId } } }
>;
/** The public form a procedure belongs to, read from its declaration. */
const formOf = (path: string): PublicFormId | undefined => procedures[path]?._def.meta?.formOnly;
const PUBLIC_URL = 'http://mfiq.test';

/** The API wired to a test database exactly as the web wires it: app role, real auth, real context. */
export function createHarness(
  tdb: TestDatabase,
  opts: {
    now?: () => Date;
    throttle?: ThrottleLimits;
    apiKeyRateLimit?: RateLimit;
    importMaxBytes?: number;
    shareRateLimits?: { perIp: RateLimit; perLink: RateLimit };
    webhookPolicy?: EgressPolicy;
    lifecycle?: ApiDeps['lifecycle'];
    contacts?: ApiDeps['contacts'];
    /** The web's pool, when a test needs other bounds than tdb.app's (a small pool, short timeouts). */
    db?: Database;
    importQuotas?: Partial<ImportQuotas>;
  } = {},
) {
  const db = opts.db ?? tdb.app;
  const auth = createAuth({ db, secure: false, ...(opts.now ? { now: opts.now } : {}) });
  const throttlePool = new pg.Pool({ connectionString: tdb.urls.app, max: 4 });
  throttlePool.on('error', () => {});
  const throttle = createSignInThrottle(throttlePool, opts.throttle ?? DEFAULT_THROTTLE);
  const secretBox = createSecretBox(generateAppKey());
  const deps = {
    db,
    auth,
    logger: pino({ level: 'silent' }),
    secretBox,
    throttle,
    publicUrl: () => PUBLIC_URL,
    ...(opts.apiKeyRateLimit ? { apiKeyRateLimit: opts.apiKeyRateLimit } : {}),
    ...(opts.importMaxBytes ? { importMaxBytes: opts.importMaxBytes } : {}),
    ...(opts.shareRateLimits ? { shareRateLimits: opts.shareRateLimits } : {}),
    ...(opts.webhookPolicy ? { webhookPolicy: opts.webhookPolicy } : {}),
    ...(opts.lifecycle ? { lifecycle: opts.lifecycle } : {}),
    ...(opts.contacts ? { contacts: opts.contacts } : {}),
    ...(opts.importQuotas ? { importQuotas: opts.importQuotas } : {}),
  };
  const createContext = createContextFactory(deps);

  /** A context as a request with this cookie (or none), from this address, would get. */
  async function contextFor(cookie: string | null, ip: string, extraHeaders: Record<string, string>) {
    const headers = new Headers({ 'user-agent': 'vitest', ...extraHeaders });
    if (cookie) headers.set('cookie', cookie);
    const resHeaders = new Headers();
    const ctx = await createContext({
      req: new Request('http://localhost/api/trpc', { headers }),
      resHeaders,
      clientIp: ip,
    });
    return { ctx, resHeaders };
  }

  /**
   * A caller as a browser with this cookie (or none) would be; resHeaders collects Set-Cookie. Its
   * public form submissions are those of a person who passed the page's anti-abuse checks: each call
   * of a form-only procedure carries a fresh pass for that form, as the page action gives it
   * (form-pass.ts). `asHttp` is the same caller without passes, as /api/trpc is.
   */
  async function as(cookie: string | null = null, ip = '203.0.113.7', extraHeaders: Record<string, string> = {}) {
    const { ctx, resHeaders } = await contextFor(cookie, ip, extraHeaders);
    const caller = createCaller(ctx);
    // The caller is a proxy over procedure paths, so resHeaders is served beside it, not assigned to it.
    return new Proxy(caller, {
      get(target, key) {
        if (key === 'resHeaders') return resHeaders;
        const namespace: unknown = Reflect.get(target, key);
        if (typeof key !== 'string' || typeof namespace !== 'function') return namespace;
        return new Proxy(namespace, {
          get(inner, name) {
            const form = typeof name === 'string' ? formOf(`${key}.${name}`) : undefined;
            if (!form) return Reflect.get(inner, name) as unknown;
            const withPass = createCaller({ ...ctx, formPass: issueFormPass(form) }) as unknown as Record<
              string,
              Record<string, (input: unknown) => Promise<unknown>>
            >;
            return (input: unknown) => withPass[key]![name as string]!(input);
          },
        });
      },
    }) as typeof caller & { resHeaders: Headers };
  }

  /** A caller as an HTTP client of /api/trpc is: no page, so no form passes. */
  async function asHttp(cookie: string | null = null, ip = '203.0.113.7', extraHeaders: Record<string, string> = {}) {
    const { ctx } = await contextFor(cookie, ip, extraHeaders);
    return createCaller(ctx);
  }

  function cookieFrom(resHeaders: Headers): string {
    const set = resHeaders.getSetCookie().find((c) => c.startsWith(`${auth.cookieName}=`) && !/Max-Age=0/i.test(c));
    if (!set) throw new Error('no session cookie was set');
    return set.split(';')[0]!;
  }

  /** The newest mail of a kind to an address, read from the outbox (as the worker would send it). */
  async function lastMail(to: string, kind?: string) {
    let q = tdb.admin
      .selectFrom('emailOutbox')
      .selectAll()
      .where('toAddress', '=', to)
      .orderBy('createdAt', 'desc')
      .orderBy('id');
    if (kind) q = q.where('kind', '=', kind);
    return q.executeTakeFirst();
  }

  /** The token of the first link to `path` in the newest mail of that kind to that address. */
  async function tokenFromMail(to: string, kind: string, path: string): Promise<string> {
    const mail = await lastMail(to, kind);
    const m = mail?.textBody && new RegExp(`${PUBLIC_URL}${path}/([A-Za-z0-9_]+)`).exec(mail.textBody);
    if (!m) throw new Error(`no ${kind} mail with a ${path} link to ${to}`);
    return m[1]!;
  }

  /** A caller as an outside client holding this API key would be (Authorization: Bearer). */
  const asKey = (token: string) => as(null, '198.51.100.9', { authorization: `Bearer ${token}` });

  /** Creates an API key through the procedure, as the given admin or owner. */
  async function createKey(cookie: string, slug: string, scopes: ApiScope[], name = 'test key') {
    const out = await (await as(cookie)).apiKeys.create({ slug, name, scopes });
    return { token: out.token, id: out.key.id };
  }

  let counter = 0;
  /**
   * Signs up a fresh user with a fresh organization (the password is set on the confirmation link);
   * returns the session cookie and the slug.
   */
  async function signUp(prefix = 'user') {
    counter += 1;
    const email = `${prefix}-${counter}-${Math.random().toString(36).slice(2, 8)}@example.com`;
    const names = { displayName: `${prefix} ${counter}`, organizationName: `${prefix} org ${counter}` };
    await (await as()).auth.signUp({ email, ...names });
    const token = await tokenFromMail(email, 'signup_confirm', '/signup/confirm');
    const caller = await as();
    const out = await caller.auth.completeSignUp({ token, password: TEST_PASSWORD, ...names });
    return { email, userId: out.user.id, slug: out.organization.slug, cookie: cookieFrom(caller.resHeaders) };
  }

  /** Signs in with the test password; returns a fresh session cookie. */
  async function signIn(email: string, ip?: string) {
    const caller = await as(null, ip);
    const out = await caller.auth.signIn({ email, password: TEST_PASSWORD });
    if (out.status !== 'signed_in') throw new Error(`sign-in for ${email} needs a second factor`);
    return cookieFrom(caller.resHeaders);
  }

  /** Adds a new user to an existing organization with a role (as a fixture, through the owner role). */
  async function addMember(slug: string, role: Role) {
    const user = await signUp(`${role}`);
    const org = await tdb.owner
      .selectFrom('organizations')
      .select('tenantId')
      .where('slug', '=', slug)
      .executeTakeFirstOrThrow();
    const m = await withTenant(tdb.owner, { tenantId: org.tenantId }, (trx) =>
      trx
        .insertInto('memberships')
        .values({ tenantId: org.tenantId, userId: user.userId, role })
        .returning('id')
        .executeTakeFirstOrThrow(),
    );
    return { ...user, membershipId: m.id };
  }

  async function close() {
    await throttlePool.end();
  }

  return {
    auth,
    secretBox,
    deps,
    createContext,
    as,
    asHttp,
    asKey,
    createKey,
    signUp,
    signIn,
    addMember,
    cookieFrom,
    lastMail,
    tokenFromMail,
    close,
  };
}

export type Harness = ReturnType<typeof createHarness>;

/**
 * A fingerprint of every table a procedure could write, read as the cluster's superuser (tests
 * only): "changed nothing" is two fingerprints being equal.
 */
export async function snapshot(tdb: TestDatabase): Promise<Record<string, string>> {
  const c = new pg.Client({ connectionString: tdb.urls.admin });
  await c.connect();
  try {
    const out: Record<string, string> = {};
    // api_keys without last_used_at, sessions without their activity (last seen, sliding expiry,
    // written at most once a minute): authenticating a request is not a change the caller made.
    const tables: Record<string, string> = {
      users: 'x',
      sessions: '(x.id, x.user_id, x.created_at, x.absolute_expires_at, x.authenticated_at, x.ip, x.user_agent)',
      organizations: 'x',
      memberships: 'x',
      audit_outbox: 'x',
      platform_audit_outbox: 'x',
      metrics: 'x',
      data_points: 'x',
      metric_daily_rollups: 'x',
      metric_data_revisions: 'x',
      metric_targets: 'x',
      api_keys: '(x.tenant_id, x.id, x.name, x.scopes, x.revoked_at)',
      api_idempotency_keys: 'x',
      dashboards: 'x',
      dashboard_tiles: 'x',
      dashboard_tile_metrics: 'x',
      annotations: 'x',
      // View counts move on every page view of a share link; the rest is what a caller changes.
      dashboard_share_links:
        '(x.tenant_id, x.id, x.dashboard_id, x.label, x.token_hash, x.expires_at, x.revoked_at, x.embed_origins)',
      imports: 'x',
      import_chunks: 'x',
      import_errors: 'x',
      data_forms: 'x',
      data_form_fields: 'x',
      data_form_links: 'x',
      audit_log: 'x',
      audit_chain_heads: 'x',
      contact_messages: 'x',
      invitations: 'x',
      user_two_factor: 'x',
      recovery_codes: 'x',
      sign_in_challenges: 'x',
      password_reset_tokens: 'x',
      signup_requests: 'x',
      sign_in_sources: 'x',
      email_outbox: 'x',
      alert_channels: 'x',
      alert_rules: 'x',
      alert_rule_recipients: 'x',
      alert_events: 'x',
      alert_deliveries: 'x',
      notifications: 'x',
      alert_mutes: 'x',
      metric_follows: 'x',
      notification_preferences: 'x',
      alert_digests: 'x',
      organization_slug_redirects: 'x',
      backup_keys: 'x',
      restore_drills: 'x',
      organization_erasures: 'x',
    };
    for (const [t, row] of Object.entries(tables)) {
      const r = await c.query<{ n: number; h: string | null }>(
        `select count(*)::int as n, md5(string_agg(${row}::text, ',' order by ${row}::text)) as h from ${t} x`,
      );
      out[t] = `${r.rows[0]!.n}:${r.rows[0]!.h ?? ''}`;
    }
    return out;
  } finally {
    await c.end();
  }
}
