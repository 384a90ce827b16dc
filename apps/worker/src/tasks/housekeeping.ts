import { expireUnstartedUploads, UNSTARTED_UPLOAD_MAX_AGE_DAYS } from '@mfiq/api/imports';
import { sql, withTenant, type Database } from '@mfiq/db';
import type { Task } from 'graphile-worker';
import type { Logger } from '../logger.ts';

export const HOUSEKEEPING = 'housekeeping';

/**
 * How long a push batch's idempotency key is honoured: a client retrying within a week gets the
 * first result back; after that the key may be reused for a new batch.
 */
const IDEMPOTENCY_RETENTION_DAYS = 7;

const DAY_MS = 86_400_000;

export interface HousekeepingResult {
  organizations: number;
  idempotencyKeysDeleted: number;
  uploadsExpired: number;
}

/**
 * Drops idempotency records past their retry window and expires uploads nobody started
 * (docs/decisions/0073-housekeeping.md). Only organizations with something to clean are entered,
 * each in its own tenant transaction, so one failure leaves the others done and a rerun finishes
 * the rest.
 */
export async function runHousekeeping(db: Database, opts: { now?: Date; jobId: string }): Promise<HousekeepingResult> {
  const now = opts.now ?? new Date();
  const keysBefore = new Date(now.getTime() - IDEMPOTENCY_RETENTION_DAYS * DAY_MS);
  const uploadsBefore = new Date(now.getTime() - UNSTARTED_UPLOAD_MAX_AGE_DAYS * DAY_MS);
  const { rows } = await sql<{
    tenantId: string;
  }>`select tenant_id from app_housekeeping_tenants(${keysBefore}, ${uploadsBefore})`.execute(db);
  const result: HousekeepingResult = { organizations: rows.length, idempotencyKeysDeleted: 0, uploadsExpired: 0 };
  for (const { tenantId } of rows) {
    await withTenant(db, { tenantId, evenIfLocked: true }, async (trx) => {
      const deleted = await trx
        .deleteFrom('apiIdempotencyKeys')
        .where('tenantId', '=', tenantId)
        .where('createdAt', '<', keysBefore)
        .executeTakeFirst();
      result.idempotencyKeysDeleted += Number(deleted.numDeletedRows);
      result.uploadsExpired += await expireUnstartedUploads(trx, tenantId, uploadsBefore, opts.jobId);
    });
  }
  return result;
}

/** The graphile-worker task: idempotent, payload ignored. */
export function housekeepingTask(deps: { db: Database; logger: Logger }): Task {
  return async (_payload, helpers) => {
    const started = performance.now();
    const result = await runHousekeeping(deps.db, { jobId: String(helpers.job.id) });
    deps.logger.info(
      { task: HOUSEKEEPING, jobId: helpers.job.id, ...result, durationMs: Math.round(performance.now() - started) },
      `housekeeping: ${result.idempotencyKeysDeleted} idempotency record(s) deleted, ${result.uploadsExpired} upload(s) expired`,
    );
  };
}
