import type { Kysely } from 'kysely';
import type { DB, MemberRole } from './generated/db.ts';
import { enterTenant, type TenantDb } from './tenant.ts';

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
 * is locked, so the ordinary entries refuse it; this one enters it only to show the deletion and let
 * an owner cancel it (docs/decisions/0120-organization-lifecycle.md). A thin entry over enterTenant
 * (ADR 0081): BEGIN and app_enter_pending_deletion (membership, pending deletion, settings) in one
 * round trip; a `Rollback` thrown by fn rolls back and hands its value out. Returns
 * `{ member: null }` without calling fn when the user is not a member or nothing is pending.
 */
export async function withPendingDeletionTenant<T>(
  db: Kysely<DB>,
  who: { userId: string; slug: string; readOnly?: boolean },
  fn: (trx: TenantDb, member: PendingDeletionTenant) => Promise<T>,
): Promise<{ member: PendingDeletionTenant; result: T } | { member: null }> {
  if (!UUID.test(who.userId)) throw new Error('withPendingDeletionTenant: userId must be a UUID');
  // Interpolated only after these checks: neither value can carry SQL.
  if (!SLUG.test(who.slug)) return { member: null };
  const out = await enterTenant<PendingDeletionTenant, T>(
    db,
    {
      sql: `begin; select tenant_id, slug, name, role, deletion_requested_at, deletion_due_at, requested_by from app_enter_pending_deletion('${who.userId}', '${who.slug}')`,
      entered: () => true,
      deferCommit: () => who.readOnly === true,
    },
    fn,
  );
  return out.row !== undefined && out.ran ? { member: out.row, result: out.result } : { member: null };
}
