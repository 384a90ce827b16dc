import { sql, type Database } from '@mfiq/db';
import type { Task } from 'graphile-worker';
import type { Logger } from '../logger.ts';

export const PURGE_SESSIONS = 'purge_sessions';

/**
 * Deletes every session past its idle expiry or its absolute expiry, in batches so that a large
 * backlog never holds one long lock on the sessions table. Returns how many were deleted.
 *
 * Validation already refuses expired sessions; this only reclaims their rows. The worker role may
 * read just (id, expires_at, absolute_expires_at) and delete, which is all this statement needs.
 * The predicate matches the expression index sessions_expiry_idx.
 */
export async function purgeExpiredSessions(db: Database, opts: { batchSize?: number } = {}): Promise<number> {
  const batchSize = opts.batchSize ?? 5_000;
  let total = 0;
  for (;;) {
    const result = await db
      .deleteFrom('sessions')
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('sessions')
          .select('id')
          .where(sql<Date>`least(expires_at, absolute_expires_at)`, '<=', sql<Date>`now()`)
          .limit(batchSize),
      )
      .executeTakeFirst();
    const deleted = Number(result.numDeletedRows);
    total += deleted;
    if (deleted < batchSize) return total;
  }
}

/** The graphile-worker task: idempotent, safe to run concurrently, payload ignored. */
export function purgeSessionsTask(deps: { db: Database; logger: Logger }): Task {
  return async (_payload, helpers) => {
    const started = performance.now();
    const deleted = await purgeExpiredSessions(deps.db);
    deps.logger.info(
      { task: PURGE_SESSIONS, jobId: helpers.job.id, deleted, durationMs: Math.round(performance.now() - started) },
      `purged ${deleted} expired session(s)`,
    );
  };
}
