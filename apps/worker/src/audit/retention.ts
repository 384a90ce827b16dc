import { keyId, signCheckpoint, sql, withTenant, type Database } from '@mfiq/db';

export interface RetentionResult {
  tenants: number;
  purged: number;
}

/**
 * Applies each organization's audit retention, as the retention role (the only one the append-only
 * trigger lets delete). Per tenant, in one transaction: find the longest prefix of the chain that is
 * entirely older than the retention period, write a signed checkpoint of its last (sequence, hash),
 * and delete the prefix. Purging only whole prefixes keeps the rest of the chain verifiable from
 * the checkpoint.
 */
export async function applyRetention(db: Database, checkpointKey: Buffer): Promise<RetentionResult> {
  const { rows: due } = await sql<{ tenantId: string; retentionDays: number }>`
    select tenant_id as "tenantId", retention_days as "retentionDays" from audit_retention_due()`.execute(db);
  const result: RetentionResult = { tenants: 0, purged: 0 };
  const kid = keyId(checkpointKey);
  for (const { tenantId, retentionDays } of due) {
    const purged = await withTenant(db, { tenantId, evenIfLocked: true }, async (trx) => {
      const { rows } = await sql<{ sequence: number | null; hash: Buffer | null; n: number }>`
        with cut as (
          select coalesce(min(sequence), 9223372036854775807) as first_kept from audit_log
           where occurred_at >= now() - make_interval(days => ${retentionDays})
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
    });
    if (purged) result.tenants += 1;
    result.purged += purged;
  }
  return result;
}
