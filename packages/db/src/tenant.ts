import { sql, type Kysely } from 'kysely';
import type { DB, MemberRole } from './generated/db.ts';

/**
 * A Kysely bound to one connection inside a transaction whose app.tenant_id is set. It is the only
 * database handle that request handlers and per-tenant jobs receive. The brand stops a pool-backed
 * Kysely from being passed where a tenant transaction is expected.
 */
export type TenantDb = Kysely<DB> & { readonly __tenantScoped: true };

/**
 * Thrown by the work inside a tenant transaction to roll it back and still hand a value out (a
 * refused request, a handler's failed result). The builders use it instead of try/catch around
 * their next step.
 */
export class Rollback<T> {
  constructor(readonly value: T) {}
}

/** Thrown when a per-tenant job or entry names an organization that the operators locked. */
export class TenantLockedError extends Error {
  constructor(readonly tenantId: string) {
    super(`organization ${tenantId} is locked by the service operators`);
    this.name = 'TenantLockedError';
  }
}

/** Thrown when withTenant names an organization that does not exist. */
export class TenantNotFoundError extends Error {
  constructor(readonly tenantId: string) {
    super(`organization ${tenantId} does not exist`);
    this.name = 'TenantNotFoundError';
  }
}

interface Entry<Row> {
  /** BEGIN and the entry statement, sent together (simple protocol: every value in it was validated). */
  sql: string;
  /** Whether the entry row says the tenant was entered, so the work may run. */
  entered: (row: Row) => boolean;
  /**
   * Read-only work whose entry wrote nothing: the caller gets its result as soon as the work is done;
   * COMMIT follows behind it and the connection goes back to the pool once COMMIT completes. Never
   * for work that writes, nor when the entry statement wrote (a session's recorded activity), so a
   * client's next request always sees what its previous one changed.
   */
  deferCommit?: (row: Row) => boolean;
}

type Entered<Row, T> = { row: undefined } | { row: Row; ran: false } | { row: Row; ran: true; result: T };

/**
 * The one way into a tenant transaction (docs/decisions/0081-request-entry.md). On one pooled
 * connection: BEGIN and the entry statement in one round trip; no row or not entered -> COMMIT (the
 * entry may have recorded something, such as a dead session's deletion) and the work does not run;
 * otherwise the work runs with the transaction as its only database handle, then COMMIT. A
 * `Rollback` thrown by the work rolls back and returns its value; any other error rolls back and
 * propagates. If ROLLBACK itself fails, the pool discards the connection instead of reusing it
 * (client.ts: a connection still inside a transaction is never returned to the pool).
 */
export function enterTenant<Row, T>(
  db: Kysely<DB>,
  entry: Entry<Row>,
  work: (trx: TenantDb, row: Row) => Promise<T>,
): Promise<Entered<Row, T>> {
  return new Promise<Entered<Row, T>>((resolve, reject) => {
    db.connection()
      .execute(async (conn) => {
        const { rows } = await sql.raw<Row>(entry.sql).execute(conn);
        const row = rows[0];
        if (row === undefined || !entry.entered(row)) {
          await sql`commit`.execute(conn);
          resolve(row === undefined ? { row: undefined } : { row, ran: false });
          return;
        }
        let result: T;
        try {
          result = await work(conn as TenantDb, row);
        } catch (error) {
          await sql`rollback`.execute(conn).catch(() => {});
          if (error instanceof Rollback) {
            resolve({ row, ran: true, result: error.value as T });
            return;
          }
          throw error;
        }
        if (entry.deferCommit?.(row)) {
          resolve({ row, ran: true, result });
          // The answer is out; a failed COMMIT of read-only work loses nothing the caller saw, and
          // the pool discards the connection (it is still in a transaction).
          await sql`commit`.execute(conn).catch(() => {});
          return;
        }
        await sql`commit`.execute(conn);
        resolve({ row, ran: true, result });
      })
      .catch(reject);
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

const beginFor = (mode: TenantContext['mode']) =>
  mode === 'snapshot' ? 'begin isolation level repeatable read read only' : 'begin';

export interface TenantContext {
  tenantId: string;
  /** The user (or API key, or system principal) acting; recorded by triggers and audit. */
  actorId?: string | null;
  /**
   * 'snapshot': REPEATABLE READ, READ ONLY: every statement sees the same moment (backups).
   * Set with BEGIN, since the isolation level cannot change after the first query.
   */
  mode?: 'default' | 'snapshot';
  /**
   * Work that must go on while the operators have locked the organization (audit drain, backups,
   * retention, operator commands). Everything else is refused with TenantLockedError.
   */
  evenIfLocked?: boolean;
}

/**
 * Runs fn in a transaction scoped to an existing organization, for work that starts from a tenant id
 * (worker jobs, invitations, operator commands). Entered through app_enter_organization, so the lock
 * holds here as on every other way in. Settings are transaction-local: a pooled connection (or
 * pgbouncer in transaction mode) never carries a tenant into the next transaction.
 */
export async function withTenant<T>(db: Kysely<DB>, ctx: TenantContext, fn: (trx: TenantDb) => Promise<T>): Promise<T> {
  if (!UUID.test(ctx.tenantId)) throw new Error('withTenant: tenantId must be a UUID');
  if (ctx.actorId != null && !UUID.test(ctx.actorId)) throw new Error('withTenant: actorId must be a UUID');
  const actor = ctx.actorId ? `'${ctx.actorId}'` : 'null';
  const out = await enterTenant<{ tenantId: string; locked: boolean }, T>(
    db,
    {
      sql: `${beginFor(ctx.mode)}; select tenant_id, locked from app_enter_organization('${ctx.tenantId}', ${actor}, ${ctx.evenIfLocked ? 'true' : 'false'})`,
      entered: (row) => !row.locked || Boolean(ctx.evenIfLocked),
    },
    (trx) => fn(trx),
  );
  if (out.row === undefined) throw new TenantNotFoundError(ctx.tenantId);
  if (!out.ran) throw new TenantLockedError(ctx.tenantId);
  return out.result;
}

/**
 * Only for creating an organization (sign-up, a new organization, a restore into a new tenant): the
 * tenant does not exist yet, so there is nothing to look up or lock. Everything else uses withTenant.
 */
export async function withNewTenant<T>(
  db: Kysely<DB>,
  ctx: { tenantId: string; actorId?: string | null },
  fn: (trx: TenantDb) => Promise<T>,
): Promise<T> {
  if (!UUID.test(ctx.tenantId)) throw new Error('withNewTenant: tenantId must be a UUID');
  if (ctx.actorId != null && !UUID.test(ctx.actorId)) throw new Error('withNewTenant: actorId must be a UUID');
  const out = await enterTenant<{ created: boolean }, T>(
    db,
    {
      sql: `begin; select not exists (select 1 from app_enter_organization('${ctx.tenantId}', null, false)) as created, set_config('app.tenant_id', '${ctx.tenantId}', true), set_config('app.actor_id', '${ctx.actorId ?? ''}', true)`,
      entered: (row) => row.created,
    },
    fn,
  );
  if (!out.row || !out.ran) throw new Error(`withNewTenant: organization ${ctx.tenantId} exists already`);
  return out.result;
}

export interface MemberTenant {
  tenantId: string;
  slug: string;
  name: string;
  role: MemberRole;
  membershipId: string;
  /** Set when an operator locked the organization: the tenant was not entered (see 0007). */
  lockedAt: Date | null;
  /** The organization's security policy, enforced by the tenant path on every request. */
  requireTwoFactor: boolean;
  sessionIdleMinutes: number | null;
  sessionAbsoluteHours: number | null;
  /** Whether the caller has two-factor enabled (for requireTwoFactor). */
  userHasTwoFactor: boolean;
}

/** The session columns app_validate_session and app_enter_request answer with. */
export interface SessionRow {
  sessionId: string;
  userId: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  absoluteExpiresAt: Date;
  authenticatedAt: Date;
  ip: string | null;
  userAgent: string | null;
  email: string;
  displayName: string;
  /** How long the session had been idle when this request arrived (before it was touched). */
  idleMs: number;
}

/** How sessions are judged: the clock and the idle rules of packages/auth. */
export interface SessionRules {
  now: Date;
  idleTimeoutMs: number;
  slideIntervalMs: number;
}

export type RequestEntry =
  | { status: 'no_session' }
  | { status: 'not_member'; session: SessionRow }
  | { status: 'locked'; session: SessionRow; member: MemberTenant }
  | { status: 'entered'; session: SessionRow; member: MemberTenant };

const SESSION_COLUMNS =
  'session_id, user_id, created_at, last_seen_at, expires_at, absolute_expires_at, authenticated_at, ip, user_agent, email, display_name, idle_ms, touched';
const MEMBER_COLUMNS =
  'tenant_id, slug, name, role, membership_id, require_two_factor, session_idle_minutes, session_absolute_hours, user_has_two_factor, locked_at';

function ruleArgs(rules: SessionRules): string {
  const ms = (n: number) => {
    if (!Number.isSafeInteger(n) || n < 0) throw new Error('session rules must be whole milliseconds');
    return String(n);
  };
  // toISOString() is digits, dashes, colons, a dot, T and Z: nothing that can leave the literal.
  return `'${rules.now.toISOString()}', ${ms(rules.idleTimeoutMs)}, ${ms(rules.slideIntervalMs)}`;
}

/** Validates a session by its token hash (one statement; dead sessions are deleted, activity recorded when due). */
export async function validateSession(
  db: Kysely<DB>,
  tokenHash: string,
  rules: SessionRules,
): Promise<SessionRow | null> {
  if (!SHA256_HEX.test(tokenHash)) return null;
  const { rows } = await sql
    .raw<SessionRow>(`select ${SESSION_COLUMNS} from app_validate_session('${tokenHash}', ${ruleArgs(rules)})`)
    .execute(db);
  return rows[0] ?? null;
}

type RequestRow = SessionRow &
  Omit<MemberTenant, 'tenantId'> & { status: RequestEntry['status']; tenantId: string | null; touched: boolean };

function requestEntryOf(row: RequestRow): RequestEntry {
  if (row.status === 'no_session') return { status: 'no_session' };
  const session: SessionRow = {
    sessionId: row.sessionId,
    userId: row.userId,
    createdAt: row.createdAt,
    lastSeenAt: row.lastSeenAt,
    expiresAt: row.expiresAt,
    absoluteExpiresAt: row.absoluteExpiresAt,
    authenticatedAt: row.authenticatedAt,
    ip: row.ip,
    userAgent: row.userAgent,
    email: row.email,
    displayName: row.displayName,
    idleMs: Number(row.idleMs),
  };
  if (row.status === 'not_member') return { status: 'not_member', session };
  const member: MemberTenant = {
    tenantId: row.tenantId!,
    slug: row.slug,
    name: row.name,
    role: row.role,
    membershipId: row.membershipId,
    lockedAt: row.lockedAt,
    requireTwoFactor: row.requireTwoFactor,
    sessionIdleMinutes: row.sessionIdleMinutes,
    sessionAbsoluteHours: row.sessionAbsoluteHours,
    userHasTwoFactor: row.userHasTwoFactor,
  };
  return row.status === 'locked' ? { status: 'locked', session, member } : { status: 'entered', session, member };
}

/**
 * A signed-in request to an organization: BEGIN, session validation, membership, policy columns, the
 * lock and the tenant settings in one round trip (app_enter_request). `work` runs only when the
 * tenant was entered; it may still refuse (policy, permission) by throwing Rollback.
 */
export async function withRequestTenant<T>(
  db: Kysely<DB>,
  who: { tokenHash: string; slug: string; rules: SessionRules; readOnly?: boolean },
  work: (trx: TenantDb, entry: Extract<RequestEntry, { status: 'entered' }>) => Promise<T>,
): Promise<{ entry: RequestEntry; result?: T; ran: boolean }> {
  if (!SHA256_HEX.test(who.tokenHash)) return { entry: { status: 'no_session' }, ran: false };
  // Interpolated only after this check: a slug that could carry SQL never reaches the query.
  if (!SLUG.test(who.slug)) {
    const session = await validateSession(db, who.tokenHash, who.rules);
    return { entry: session ? { status: 'not_member', session } : { status: 'no_session' }, ran: false };
  }
  const out = await enterTenant<RequestRow, T>(
    db,
    {
      sql: `begin; select status, ${SESSION_COLUMNS}, ${MEMBER_COLUMNS} from app_enter_request('${who.tokenHash}', '${who.slug}', ${ruleArgs(who.rules)})`,
      entered: (row) => row.status === 'entered',
      deferCommit: (row) => who.readOnly === true && !row.touched,
    },
    (trx, row) => work(trx, requestEntryOf(row) as Extract<RequestEntry, { status: 'entered' }>),
  );
  if (out.row === undefined) throw new Error('app_enter_request answered no row');
  const entry = requestEntryOf(out.row);
  return out.ran ? { entry, result: out.result, ran: true } : { entry, ran: false };
}

/**
 * Like withRequestTenant, for a request whose session was already validated (a page's second
 * procedure call): membership, policy columns, lock and settings in the statement sent with BEGIN.
 */
export async function withMemberTenant<T>(
  db: Kysely<DB>,
  who: { userId: string; slug: string; readOnly?: boolean },
  work: (trx: TenantDb, member: MemberTenant) => Promise<T>,
): Promise<{ member: MemberTenant | null; result?: T; ran: boolean }> {
  if (!UUID.test(who.userId)) throw new Error('withMemberTenant: userId must be a UUID');
  if (!SLUG.test(who.slug)) return { member: null, ran: false };
  const out = await enterTenant<MemberTenant, T>(
    db,
    {
      sql: `begin; select ${MEMBER_COLUMNS} from app_enter_tenant('${who.userId}', '${who.slug}')`,
      entered: (row) => row.lockedAt === null,
      deferCommit: () => who.readOnly === true,
    },
    work,
  );
  if (out.row === undefined) return { member: null, ran: false };
  return out.ran ? { member: out.row, result: out.result, ran: true } : { member: out.row, ran: false };
}

export interface ApiKeyTenant {
  tenantId: string;
  keyId: string;
  keyName: string;
  keyPrefix: string;
  scopes: string[];
  slug: string;
  orgName: string;
  locked: boolean;
}

export type ApiKeyEntry<T> =
  | { status: 'unknown' }
  | { status: 'rate_limited'; retryAfterSec: number }
  | { status: 'locked'; key: ApiKeyTenant }
  | { status: 'ran'; key: ApiKeyTenant; result: T };

/**
 * An API key's request: the key's rate limit is counted first in its own short statement (so the
 * counter is never held for a whole request and requests of one key never queue behind each
 * other), then BEGIN, the key lookup and the tenant settings in one round trip; a locked
 * organization's keys are refused. One connection throughout.
 */
export async function withApiKeyTenant<T>(
  db: Kysely<DB>,
  who: { tokenHash: string; limit: { points: number; windowMs: number }; readOnly?: boolean },
  work: (trx: TenantDb, key: ApiKeyTenant) => Promise<T>,
): Promise<ApiKeyEntry<T>> {
  // Interpolated only after this check: the hash is 64 hex digits or nothing reaches SQL.
  if (!SHA256_HEX.test(who.tokenHash)) return { status: 'unknown' };
  const { points, windowMs } = who.limit;
  if (!Number.isSafeInteger(points) || !Number.isSafeInteger(windowMs)) throw new Error('limit must be integers');
  const rate = await sql<{
    allowed: boolean;
    retryAfterMs: number;
  }>`select allowed, retry_after_ms from app_api_key_rate(${who.tokenHash}, ${points}, ${windowMs})`.execute(db);
  const verdict = rate.rows[0];
  if (!verdict) return { status: 'unknown' };
  if (!verdict.allowed)
    return { status: 'rate_limited', retryAfterSec: Math.max(1, Math.ceil(Number(verdict.retryAfterMs) / 1000)) };
  const out = await enterTenant<ApiKeyTenant, T>(
    db,
    {
      sql: `begin; select tenant_id, key_id, key_name, key_prefix, scopes, slug, org_name, locked from app_enter_api_key('${who.tokenHash}')`,
      entered: (row) => !row.locked,
      deferCommit: () => who.readOnly === true,
    },
    work,
  );
  if (out.row === undefined) return { status: 'unknown' };
  if (!out.ran) return { status: 'locked', key: out.row };
  return { status: 'ran', key: out.row, result: out.result };
}

export interface DataFormTenant {
  tenantId: string;
  formId: string;
  formName: string;
  orgName: string;
  paused: boolean;
}

/**
 * A public data form's link: BEGIN, the link lookup (by the SHA-256 of the token in the URL; rotated
 * links are gone, locked organizations are not entered) and the tenant settings in one round trip.
 * The tenant is the link row's, never the caller's input.
 */
export async function withDataFormTenant<T>(
  db: Kysely<DB>,
  tokenHash: string,
  work: (trx: TenantDb, form: DataFormTenant) => Promise<T>,
): Promise<{ form: DataFormTenant; result: T } | { form: null }> {
  // Interpolated only after this check: the hash is 64 hex digits or nothing reaches SQL.
  if (!SHA256_HEX.test(tokenHash)) return { form: null };
  const out = await enterTenant<DataFormTenant, T>(
    db,
    {
      sql: `begin; select tenant_id, form_id, form_name, org_name, paused from app_enter_data_form('${tokenHash}')`,
      entered: () => true,
    },
    work,
  );
  return out.row !== undefined && out.ran ? { form: out.row, result: out.result } : { form: null };
}

export interface ShareLinkTenant {
  tenantId: string;
  linkId: string;
  dashboardId: string;
  orgName: string;
  embedOrigins: string[];
}

/**
 * Like withDataFormTenant, for a dashboard's read-only share link: BEGIN, the link lookup (by the
 * SHA-256 of the token; revoked, expired and rotated links are not found, locked organizations not
 * entered, a deleted dashboard's links lead nowhere) and the tenant settings in one round trip
 * (app_enter_dashboard_share). The tenant and the dashboard are the link row's, never the caller's
 * input. `countView` counts a page view; a data refresh counts nothing, writes nothing in its entry
 * and so answers before COMMIT, as a member's read does.
 */
export async function withShareLinkTenant<T>(
  db: Kysely<DB>,
  who: { tokenHash: string; countView: boolean },
  work: (trx: TenantDb, link: ShareLinkTenant) => Promise<T>,
): Promise<{ link: ShareLinkTenant; result: T } | { link: null }> {
  // Interpolated only after this check: the hash is 64 hex digits or nothing reaches SQL.
  if (!SHA256_HEX.test(who.tokenHash)) return { link: null };
  const out = await enterTenant<ShareLinkTenant, T>(
    db,
    {
      sql: `begin; select tenant_id, link_id, dashboard_id, org_name, embed_origins from app_enter_dashboard_share('${who.tokenHash}', ${who.countView ? 'true' : 'false'})`,
      entered: () => true,
      deferCommit: () => !who.countView,
    },
    work,
  );
  return out.row !== undefined && out.ran ? { link: out.row, result: out.result } : { link: null };
}
