import { sql, type Kysely } from 'kysely';
import type { DB, MemberRole } from './generated/db.ts';
import type { TenantDb } from './tenant.ts';

export interface PendingDeletionTenant {
  tenantId: string;
  slug: string;
  name: string;
  role: MemberRole;
  deletionRequestedAt: Date;
  deletionDueAt: Date;
  /** Email of the owner who asked for the deletion (null if that account is gone). */
  requestedBy: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/;

/**
 * A tenant transaction for a member of an organization whose deletion is pending. That organization
 * is locked, so the ordinary entry (app_enter_tenant) refuses it; this one enters it only to show
 * the deletion and let an owner cancel it (docs/decisions/0120-organization-lifecycle.md). BEGIN,
 * the membership check and the settings travel in one round trip, as in withMemberTenant. Returns
 * `{ member: null }` without calling fn when the user is not a member or nothing is pending.
 */
export async function withPendingDeletionTenant<T>(
  db: Kysely<DB>,
  who: { userId: string; slug: string },
  fn: (trx: TenantDb, member: PendingDeletionTenant) => Promise<T>,
): Promise<{ member: PendingDeletionTenant; result: T } | { member: null }> {
  if (!UUID.test(who.userId)) throw new Error('withPendingDeletionTenant: userId must be a UUID');
  // Interpolated only after these checks: neither value can carry SQL.
  if (!SLUG.test(who.slug)) return { member: null };
  return db.connection().execute(async (conn) => {
    const results = await sql
      .raw<PendingDeletionTenant>(
        `begin; select tenant_id, slug, name, role, deletion_requested_at, deletion_due_at, requested_by from app_enter_pending_deletion('${who.userId}', '${who.slug}')`,
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
