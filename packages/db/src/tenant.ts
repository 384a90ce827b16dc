import { sql, type Kysely } from 'kysely';
import type { DB, MemberRole } from './generated/db.ts';

/**
 * A Kysely bound to one connection inside a transaction whose app.tenant_id is set. It is the only
 * database handle that request handlers and per-tenant jobs receive. The brand stops a pool-backed
 * Kysely from being passed where a tenant transaction is expected.
 */
export type TenantDb = Kysely<DB> & { readonly __tenantScoped: true };

export interface TenantContext {
  tenantId: string;
  /** The user (or API key, or system principal) acting; recorded by triggers and audit. */
  actorId?: string | null;
  /**
   * 'snapshot': REPEATABLE READ, READ ONLY: every statement sees the same moment (backups).
   * Set with BEGIN, since the isolation level cannot change after the first query.
   */
  mode?: 'default' | 'snapshot';
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Runs fn in a transaction scoped to one tenant. BEGIN and the transaction-local settings travel in
 * one round trip (simple protocol, so no parameters: the values are checked to be UUIDs first).
 * Settings are transaction-local, so a pooled connection (or pgbouncer in transaction mode) never
 * carries a tenant into the next transaction.
 */
export async function withTenant<T>(db: Kysely<DB>, ctx: TenantContext, fn: (trx: TenantDb) => Promise<T>): Promise<T> {
  if (!UUID.test(ctx.tenantId)) throw new Error('withTenant: tenantId must be a UUID');
  if (ctx.actorId != null && !UUID.test(ctx.actorId)) throw new Error('withTenant: actorId must be a UUID');
  const actor = ctx.actorId ?? '';
  const begin = ctx.mode === 'snapshot' ? 'begin isolation level repeatable read read only' : 'begin';
  return db.connection().execute(async (conn) => {
    await sql
      .raw(
        `${begin}; select set_config('app.tenant_id', '${ctx.tenantId}', true), set_config('app.actor_id', '${actor}', true)`,
      )
      .execute(conn);
    let result: T;
    try {
      result = await fn(conn as TenantDb);
    } catch (error) {
      await sql`rollback`.execute(conn).catch(() => {});
      throw error;
    }
    await sql`commit`.execute(conn);
    return result;
  });
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

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/;

/**
 * Like withTenant, for a signed-in user naming an organization by slug: BEGIN, the membership check
 * and the tenant settings travel in one round trip (app_enter_tenant sets app.tenant_id only for a
 * member). Returns `{ member: null }` without calling fn when the user is not a member.
 */
export async function withMemberTenant<T>(
  db: Kysely<DB>,
  who: { userId: string; slug: string },
  fn: (trx: TenantDb, member: MemberTenant) => Promise<T>,
): Promise<{ member: MemberTenant; result: T } | { member: null }> {
  if (!UUID.test(who.userId)) throw new Error('withMemberTenant: userId must be a UUID');
  // Interpolated only after this check: a slug that could carry SQL never reaches the query.
  if (!SLUG.test(who.slug)) return { member: null };
  return db.connection().execute(async (conn) => {
    const results = await sql
      .raw<MemberTenant>(
        `begin; select tenant_id, slug, name, role, membership_id, require_two_factor, session_idle_minutes, session_absolute_hours, user_has_two_factor, locked_at from app_enter_tenant('${who.userId}', '${who.slug}')`,
      )
      .execute(conn);
    const member = results.rows[0];
    if (!member) {
      await sql`rollback`.execute(conn);
      return { member: null };
    }
    let result: T;
    try {
      result = await fn(conn as TenantDb, member);
    } catch (error) {
      await sql`rollback`.execute(conn).catch(() => {});
      throw error;
    }
    await sql`commit`.execute(conn);
    return { member, result };
  });
}

export interface ApiKeyTenant {
  tenantId: string;
  keyId: string;
  keyName: string;
  keyPrefix: string;
  scopes: string[];
  slug: string;
  orgName: string;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Like withMemberTenant, for an API key: BEGIN, the key lookup (by the SHA-256 of the bearer token;
 * revoked keys are not found) and the tenant settings travel in one round trip. Returns
 * `{ key: null }` without calling fn when no live key has this hash.
 */
export async function withApiKeyTenant<T>(
  db: Kysely<DB>,
  tokenHash: string,
  fn: (trx: TenantDb, key: ApiKeyTenant) => Promise<T>,
): Promise<{ key: ApiKeyTenant; result: T } | { key: null }> {
  // Interpolated only after this check: the hash is 64 hex digits or nothing reaches SQL.
  if (!SHA256_HEX.test(tokenHash)) return { key: null };
  return db.connection().execute(async (conn) => {
    const results = await sql
      .raw<ApiKeyTenant>(
        `begin; select tenant_id, key_id, key_name, key_prefix, scopes, slug, org_name from app_enter_api_key('${tokenHash}')`,
      )
      .execute(conn);
    const key = results.rows[0];
    if (!key) {
      await sql`rollback`.execute(conn);
      return { key: null };
    }
    let result: T;
    try {
      result = await fn(conn as TenantDb, key);
    } catch (error) {
      await sql`rollback`.execute(conn).catch(() => {});
      throw error;
    }
    await sql`commit`.execute(conn);
    return { key, result };
  });
}

export interface DataFormTenant {
  tenantId: string;
  formId: string;
  formName: string;
  orgName: string;
  paused: boolean;
}

/**
 * Like withApiKeyTenant, for a public data form's link: BEGIN, the link lookup (by the SHA-256 of
 * the token in the URL; rotated links are gone, locked organizations are not entered) and the
 * tenant settings travel in one round trip. The tenant is the link row's, never the caller's
 * input. Returns `{ form: null }` without calling fn when no live link has this hash.
 */
export async function withDataFormTenant<T>(
  db: Kysely<DB>,
  tokenHash: string,
  fn: (trx: TenantDb, form: DataFormTenant) => Promise<T>,
): Promise<{ form: DataFormTenant; result: T } | { form: null }> {
  // Interpolated only after this check: the hash is 64 hex digits or nothing reaches SQL.
  if (!SHA256_HEX.test(tokenHash)) return { form: null };
  return db.connection().execute(async (conn) => {
    const results = await sql
      .raw<DataFormTenant>(
        `begin; select tenant_id, form_id, form_name, org_name, paused from app_enter_data_form('${tokenHash}')`,
      )
      .execute(conn);
    const form = results.rows[0];
    if (!form) {
      await sql`rollback`.execute(conn);
      return { form: null };
    }
    let result: T;
    try {
      result = await fn(conn as TenantDb, form);
    } catch (error) {
      await sql`rollback`.execute(conn).catch(() => {});
      throw error;
    }
    await sql`commit`.execute(conn);
    return { form, result };
  });
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
 * entered, a deleted dashboard's links lead nowhere) and the tenant settings travel in one round
 * trip. The tenant and the dashboard are the link row's. `countView` counts a page view.
 */
export async function withShareLinkTenant<T>(
  db: Kysely<DB>,
  who: { tokenHash: string; countView: boolean },
  fn: (trx: TenantDb, link: ShareLinkTenant) => Promise<T>,
): Promise<{ link: ShareLinkTenant; result: T } | { link: null }> {
  // Interpolated only after this check: the hash is 64 hex digits or nothing reaches SQL.
  if (!SHA256_HEX.test(who.tokenHash)) return { link: null };
  const count = who.countView ? 'true' : 'false';
  return db.connection().execute(async (conn) => {
    const results = await sql
      .raw<ShareLinkTenant>(
        `begin; select tenant_id, link_id, dashboard_id, org_name, embed_origins from app_enter_dashboard_share('${who.tokenHash}', ${count})`,
      )
      .execute(conn);
    const link = results.rows[0];
    if (!link) {
      await sql`rollback`.execute(conn);
      return { link: null };
    }
    let result: T;
    try {
      result = await fn(conn as TenantDb, link);
    } catch (error) {
      await sql`rollback`.execute(conn).catch(() => {});
      throw error;
    }
    await sql`commit`.execute(conn);
    return { link, result };
  });
}
