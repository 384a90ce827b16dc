import { keyId, signCheckpoint, sql, withTenant, type Database } from '@mfiq/db';

export interface RetentionResult {
  tenants: number;
  purged: number;
  /** Tenants whose purge failed (rolled back); the others are done regardless. */
  failed: number;
}

/**
 * Applies each organization's audit retention, as the retention role (the only one the append-only
 * trigger lets delete, and then only expired rows below a signed checkpoint: migration 0026). Per
 * tenant, in one transaction: find the longest prefix of the chain that is entirely older than the
 * retention period, write a signed checkpoint of its last (sequence, hash), and delete the prefix.
 * Purging only whole prefixes keeps the rest of the chain verifiable from the checkpoint. A tenant
 * another retention process is working on is skipped (transaction-level advisory lock); a tenant
 * whose purge fails is reported to onError and does not stop the others.
 */
export async function applyRetention(
  db: Database,
  checkpointKey: Buffer,
  onError: (tenantId: string, error: unknown) => void = () => {},
): Promise<RetentionResult> {
  const { rows: due } = await sql<{ tenantId: string }>`
    select tenant_id as "tenantId" from audit_retention_due()`.execute(db);
  const result: RetentionResult = { tenants: 0, purged: 0, failed: 0 };
  const kid = keyId(checkpointKey);
  for (const { tenantId } of due) {
    const purged = await withTenant(db, { tenantId, evenIfLocked: true }, async (trx) => {
      const { rows: locked } = await sql<{ ok: boolean }>`
        select pg_try_advisory_xact_lock(hashtextextended(${`mfiq:audit-retention:${tenantId}`}, 0)) as ok`.execute(
        trx,
      );
      if (!locked[0]?.ok) return 0;
      // The same horizon the database's guard uses, in the same transaction (one now()).
      const { rows } = await sql<{ sequence: number | null; hash: Buffer | null; n: number }>`
        with cut as (
          select coalesce(min(sequence), 9223372036854775807) as first_kept from audit_log
           where occurred_at >= audit_retention_horizon(${tenantId}::uuid)
        )
        select l.sequence, l.hash, (select count(*)::int from audit_log, cut where sequence < cut.first_kept) as n
          from audit_log l, cut where l.sequence < cut.first_kept order by l.sequence desc limit 1`.execute(trx);
      const last = rows[0];
      if (!last?.sequence || !last.hash) return 0;
      const signature = signCheckpoint(checkpointKey, { tenantId, sequence: last.sequence, hash: last.hash });
      await trx
        .insertInto('auditCheckpoints')
        .values({ tenantId, sequence: last.sequence, hash: last.hash, purgedRows: last.n, keyId: kid, signature })
        .execute();
      const deleted = await trx.deleteFrom('auditLog').where('sequence', '<=', last.sequence).executeTakeFirst();
      return Number(deleted.numDeletedRows);
    }).catch((error: unknown) => {
      result.failed += 1;
      onError(tenantId, error);
      return 0;
    });
    if (purged) result.tenants += 1;
    result.purged += purged;
  }
  return result;
}
