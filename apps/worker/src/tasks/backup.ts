import { randomUUID } from 'node:crypto';
import {
  effectiveRetention,
  pruneBackups,
  runBackup,
  type BackupStorage,
  type Keyring,
  type RetentionPolicy,
} from '@mfiq/backup';
import { sql, withTenant, type Database } from '@mfiq/db';
import type { Task } from 'graphile-worker';
import { z } from 'zod';
import type { Logger } from '../logger.ts';

export const BACKUP_ALL = 'backup_all';
export const BACKUP_TENANT = 'backup_tenant';

export interface BackupDeps {
  storage: BackupStorage;
  keyring: Keyring;
  /** The operator's default retention, and the most an organization's owner may choose. */
  retention: RetentionPolicy;
  retentionMax?: RetentionPolicy;
}

interface Deps {
  db: Database;
  logger: Logger;
  backups: BackupDeps;
}

const tenantPayload = z.object({ tenantId: z.uuid(), backupId: z.uuid() });

/**
 * The nightly run: one queued backup (row + job) per organization, so organizations back up in
 * parallel across workers and one failure does not hold up the others. Listing organizations is
 * the only cross-tenant read, through app_backup_tenants().
 */
export function backupAllTask(deps: Deps): Task {
  return async (_payload, helpers) => {
    const { rows } = await sql<{ tenantId: string }>`select tenant_id from app_backup_tenants()`.execute(deps.db);
    for (const { tenantId } of rows) {
      const backupId = randomUUID();
      await withTenant(deps.db, { tenantId, evenIfLocked: true }, (trx) =>
        trx.insertInto('backups').values({ tenantId, id: backupId, kind: 'scheduled' }).execute(),
      );
      await helpers.addJob(BACKUP_TENANT, { tenantId, backupId }, { jobKey: `backup:${backupId}`, maxAttempts: 1 });
    }
    deps.logger.info(
      { task: BACKUP_ALL, jobId: helpers.job.id, organizations: rows.length },
      `queued ${rows.length} backup(s)`,
    );
  };
}

export function backupTenantTask(deps: Deps): Task {
  return async (payload, helpers) => {
    const { tenantId, backupId } = tenantPayload.parse(payload);
    await performBackup(deps, tenantId, backupId, helpers.job.id);
  };
}

/**
 * Runs one queued backup and records its outcome on its row, then applies retention. A failure is
 * recorded (the owner sees it on the backups page) and logged, not retried: the next run starts fresh.
 */
export async function performBackup(
  deps: Deps,
  tenantId: string,
  backupId: string,
  jobId = 'direct',
): Promise<'succeeded' | 'failed' | 'skipped'> {
  const log = deps.logger.child({ task: BACKUP_TENANT, jobId, tenantId, backupId });
  const update = (values: Record<string, unknown>) =>
    withTenant(deps.db, { tenantId, evenIfLocked: true }, (trx) =>
      trx
        .updateTable('backups')
        .set(values)
        .where('tenantId', '=', tenantId)
        .where('id', '=', backupId)
        .executeTakeFirst(),
    );
  const started = await withTenant(deps.db, { tenantId, evenIfLocked: true }, (trx) =>
    trx
      .updateTable('backups')
      .set({ status: 'running', startedAt: new Date() })
      .where('tenantId', '=', tenantId)
      .where('id', '=', backupId)
      .where('status', '=', 'queued')
      .returning('id')
      .executeTakeFirst(),
  );
  if (!started) {
    log.warn('backup is not queued (already run, or removed): skipped');
    return 'skipped';
  }
  // Progress goes out on its own short transactions, at most every 250 ms, one at a time.
  let lastProgress = 0;
  let progress: Promise<unknown> = Promise.resolve();
  const t0 = performance.now();
  try {
    const result = await runBackup({
      db: deps.db,
      storage: deps.backups.storage,
      keyring: deps.backups.keyring,
      tenantId,
      backupId,
      onProgress: (p) => {
        const now = performance.now();
        if (now - lastProgress < 250) return;
        lastProgress = now;
        progress = progress.then(() => update({ rowsDone: p.rowsDone, rowsTotal: p.rowsTotal })).catch(() => {});
      },
    });
    await progress;
    const rows = result.manifest.tables.reduce((n, t) => n + t.rows, 0);
    await update({
      status: 'succeeded',
      finishedAt: new Date(),
      rowsDone: rows,
      rowsTotal: rows,
      bytes: result.bytes,
      keyId: result.manifest.keyId,
      schemaVersion: result.manifest.schemaVersion,
    });
    log.info({ rows, bytes: result.bytes, durationMs: Math.round(performance.now() - t0) }, 'backup succeeded');
  } catch (error) {
    await progress;
    const message = error instanceof Error ? error.message : String(error);
    await update({ status: 'failed', finishedAt: new Date(), error: message.slice(0, 1000) });
    log.error({ err: error }, 'backup failed');
    return 'failed';
  }
  const chosen = await withTenant(deps.db, { tenantId, evenIfLocked: true }, (trx) =>
    trx
      .selectFrom('organizations')
      .select(['backupKeepDaily as daily', 'backupKeepWeekly as weekly'])
      .where('tenantId', '=', tenantId)
      .executeTakeFirst(),
  );
  const policy = effectiveRetention(
    chosen ?? { daily: null, weekly: null },
    deps.backups.retention,
    // Without operator bounds, the database's own limits (0053) are the only ones.
    deps.backups.retentionMax ?? { daily: 366, weekly: 520 },
  );
  const pruned = await pruneBackups(deps.db, deps.backups.storage, tenantId, policy);
  if (pruned.length) log.info({ pruned }, `retention removed ${pruned.length} backup(s)`);
  return 'succeeded';
}
