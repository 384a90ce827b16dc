import { sql, withTenant, writeTenantAudit, type Database } from '@mfiq/db';
import type { Task } from 'graphile-worker';
import type { Logger } from '../logger.ts';

export const DATA_RETENTION = 'data_retention';

const BATCH = 10_000;

/**
 * Applies each organization's data point retention (docs/decisions/0122): points older than the
 * period its owner chose are deleted, in batches (rollups follow by trigger), with one audit event,
 * all in one transaction per organization. The period comes from the organization's row inside
 * app_expire_data_points, never from here: the worker can delete nothing younger.
 */
export async function applyDataRetention(
  db: Database,
  logger: Logger,
): Promise<{ organizations: number; points: number }> {
  const { rows } = await sql<{
    tenantId: string;
    retentionDays: number;
  }>`select tenant_id, retention_days from app_data_retention_due()`.execute(db);
  let points = 0;
  for (const { tenantId, retentionDays } of rows) {
    // The owner's retention is a promise about how long data is kept: it holds under a lock (an
    // operator's, or a pending deletion's), as audit retention and housekeeping do.
    const deleted = await withTenant(db, { tenantId, evenIfLocked: true }, async (trx) => {
      await sql`set local statement_timeout = '10min'`.execute(trx);
      let total = 0;
      for (;;) {
        const r = await sql<{ n: number }>`select app_expire_data_points(${BATCH}) as n`.execute(trx);
        const n = r.rows[0]?.n ?? 0;
        total += n;
        if (n < BATCH) break;
      }
      if (total) {
        await writeTenantAudit(
          trx,
          tenantId,
          { type: 'system', display: 'Retention' },
          {},
          {
            action: 'data.points_expired',
            target: { type: 'organization', id: tenantId },
            after: { points: total, olderThanDays: retentionDays },
          },
        );
      }
      return total;
    });
    points += deleted;
    logger.info({ task: DATA_RETENTION, tenantId, points: deleted, retentionDays }, 'expired data points');
  }
  return { organizations: rows.length, points };
}

export function dataRetentionTask(deps: { db: Database; logger: Logger }): Task {
  return async () => {
    await applyDataRetention(deps.db, deps.logger);
  };
}
