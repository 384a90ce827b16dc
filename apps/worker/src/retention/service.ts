import { createDb, sql, type Database } from '@mfiq/db';
import { applyRetention, type RetentionResult } from '../audit/retention.ts';
import type { Logger } from '../logger.ts';
import { assertRuntimeRole, UnsafeRoleError } from '../runner.ts';

/** The only role the append-only trigger lets delete (and then only expired rows below a signed checkpoint). */
const RETENTION_ROLE = 'mfiq_retention';

/** A purge may delete a year of a large organization's events in one transaction. */
const RETENTION_STATEMENT_TIMEOUT_MS = 10 * 60_000;

export interface RetentionHandle {
  /** The first run's result (after start-up checks), for the launcher's and tests' benefit. */
  firstRun: Promise<RetentionResult>;
  /** Stops the timer, waits for a run in progress, closes the pool. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Runs audit retention as its own process: connected as mfiq_retention (checked, so a wrong URL
 * fails loudly instead of every purge being refused), once at start and then every interval. One
 * run at a time; a failed run is logged and retried at the next interval. Several retention
 * processes may run: each tenant is purged by whichever takes its lock first.
 */
export async function startRetention(opts: {
  databaseUrl: string;
  checkpointKey: Buffer;
  intervalMs: number;
  logger: Logger;
  db?: Database;
}): Promise<RetentionHandle> {
  const { logger } = opts;
  const db =
    opts.db ??
    createDb(opts.databaseUrl, {
      max: 2,
      applicationName: 'mfiq-retention',
      statementTimeoutMs: RETENTION_STATEMENT_TIMEOUT_MS,
    });
  try {
    await assertRuntimeRole(db, { variable: 'RETENTION_DATABASE_URL', role: RETENTION_ROLE });
    const { rows } = await sql<{ role: string }>`select current_user::text as role`.execute(db);
    if (rows[0]?.role !== RETENTION_ROLE)
      throw new UnsafeRoleError(
        `RETENTION_DATABASE_URL connects as "${rows[0]?.role}", but only ${RETENTION_ROLE} may purge expired audit events.`,
      );
  } catch (error) {
    if (!opts.db) await db.destroy();
    throw error;
  }

  let running: Promise<RetentionResult> | null = null;
  // A failed run is logged here; callers of run() only ever see it again through firstRun.
  const run = () =>
    (running ??= applyRetention(db, opts.checkpointKey, (tenantId, error) =>
      logger.error({ err: error, tenantId }, 'audit retention failed for one organization; the next run retries'),
    )
      .then(
        (result) => {
          logger.info({ task: 'audit_retention', ...result }, `purged ${result.purged} expired audit event(s)`);
          return result;
        },
        (error: unknown) => {
          logger.error({ err: error }, 'audit retention failed; retrying at the next interval');
          throw error;
        },
      )
      .finally(() => {
        running = null;
      }));
  const firstRun = run();
  firstRun.catch(() => {});
  const timer = setInterval(() => void run().catch(() => {}), opts.intervalMs);
  let stopping: Promise<void> | undefined;
  return {
    firstRun,
    stop() {
      stopping ??= (async () => {
        clearInterval(timer);
        await running?.catch(() => {});
        if (!opts.db) await db.destroy();
        logger.info('audit retention stopped');
      })();
      return stopping;
    },
  };
}
