import { sql, withTenant, type Database } from '@mfiq/db';
import { selectRetained, type RetentionPolicy } from './retention.ts';
import { objectKeys, type BackupStorage } from './storage.ts';

/**
 * Applies the retention policy to one organization: backups outside it lose their stored objects,
 * then their rows. Failed backups older than the newest good one are only clutter: removed too.
 * Objects go first, so a storage error leaves the row to be pruned again next time.
 */
export async function pruneBackups(
  db: Database,
  storage: BackupStorage,
  tenantId: string,
  policy: RetentionPolicy,
): Promise<string[]> {
  // Retention goes on under a lock, like backups (ADR 0081).
  const rows = await withTenant(
    db,
    { tenantId, evenIfLocked: true },
    async (trx) =>
      (
        await sql<{ id: string; status: string; createdAt: Date }>`
      select id, status, created_at from backups where tenant_id = ${tenantId} and status in ('succeeded', 'failed')`.execute(
          trx,
        )
      ).rows,
  );
  const good = rows
    .filter((r) => r.status === 'succeeded')
    .map((r) => ({ id: r.id, createdAt: new Date(r.createdAt) }));
  const { drop } = selectRetained(good, policy);
  const newest = Math.max(0, ...good.map((g) => g.createdAt.getTime()));
  const stale = rows.filter((r) => r.status === 'failed' && new Date(r.createdAt).getTime() < newest).map((r) => r.id);
  const ids = [...drop.map((d) => d.id), ...stale];
  for (const id of ids) {
    const keys = objectKeys(tenantId, id);
    await storage.delete(keys.manifest);
    await storage.delete(keys.data);
  }
  if (ids.length) {
    await withTenant(db, { tenantId, evenIfLocked: true }, (trx) =>
      sql`delete from backups where tenant_id = ${tenantId} and id = any(${ids}::uuid[])`.execute(trx),
    );
  }
  return ids;
}
