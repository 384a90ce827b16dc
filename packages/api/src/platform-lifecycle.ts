import { sql, withPendingDeletionTenant, type Database, type PendingDeletionTenant, type TenantDb } from '@mfiq/db';

/**
 * Named operations of the organization lifecycle that start outside a tenant: following an old
 * address, and entering an organization whose deletion is pending (locked, so the ordinary entry
 * refuses it). docs/decisions/0120-organization-lifecycle.md.
 */
export function createLifecyclePlatform(db: Database) {
  return {
    /** Where an organization's former slug points now, for a current member of it only (else null). */
    async slugRedirect(userId: string, slug: string): Promise<string | null> {
      const { rows } = await sql<{ slug: string | null }>`select app_slug_redirect(${userId}, ${slug}) as slug`.execute(
        db,
      );
      return rows[0]?.slug ?? null;
    },

    /** A tenant transaction for a member of an organization whose deletion is pending. */
    asPendingDeletion<T>(
      who: { userId: string; slug: string; readOnly?: boolean },
      fn: (trx: TenantDb, member: PendingDeletionTenant) => Promise<T>,
    ) {
      return withPendingDeletionTenant(db, who, fn);
    },
  };
}
