import { enqueueMail, mails } from '@mfiq/api/mail';
import { BackupError, drillBackup, type BackupStorage, type Keyring } from '@mfiq/backup';
import { sql, withTenant, writeTenantAudit, type Database, type Json } from '@mfiq/db';
import type { Task } from 'graphile-worker';
import type { Logger } from '../logger.ts';

export const RESTORE_DRILLS = 'restore_drills';

export interface DrillDeps {
  db: Database;
  logger: Logger;
  storage: BackupStorage;
  keyring: Keyring;
  /** Organizations drilled per night (those whose last drill is oldest); 0: all of them. */
  sample: number;
  /** Who hears about a failed drill by mail, besides the error log and the metric. */
  operatorEmail: string | null;
}

export interface DrillRecord {
  id: string;
  status: 'passed' | 'failed';
  backupId: string | null;
  tables: number;
  rows: number;
  error: string | null;
}

/**
 * Drills one organization: its latest finished backup is restored into scratch tables and
 * compared, table by table, with what the backup recorded from the source (packages/backup
 * drill.ts). The outcome is recorded (restore_drills, shown on the backups page, and the
 * organization's audit trail); a failure raises an operator alert: an error log line with
 * `alert: true`, the mfiq_restore_drill_failed metric, and a mail to OPERATOR_ALERT_EMAIL.
 */
export async function runDrill(
  deps: DrillDeps,
  tenantId: string,
  trigger: 'scheduled' | 'operator',
): Promise<DrillRecord> {
  const startedAt = new Date();
  // Drills go on under a lock, like the backups they prove (ADR 0081): a locked organization's
  // backups are the ones most likely to be restored.
  const latest = await withTenant(deps.db, { tenantId, evenIfLocked: true }, async (trx) => ({
    slug: (await trx.selectFrom('organizations').select('slug').where('tenantId', '=', tenantId).executeTakeFirst())
      ?.slug,
    backup: await trx
      .selectFrom('backups')
      .select(['id', 'createdAt'])
      .where('tenantId', '=', tenantId)
      .where('status', '=', 'succeeded')
      .orderBy('createdAt', 'desc')
      .limit(1)
      .executeTakeFirst(),
  }));
  const slug = latest.slug ?? tenantId;
  let record: Omit<DrillRecord, 'id'> & { mismatches: Json; takenAt: Date | null };
  if (!latest.backup) {
    record = {
      status: 'failed',
      backupId: null,
      takenAt: null,
      tables: 0,
      rows: 0,
      mismatches: [],
      error: 'No finished backup to restore.',
    };
  } else {
    try {
      const result = await drillBackup({
        db: deps.db,
        storage: deps.storage,
        keyring: deps.keyring,
        ref: { tenantId, backupId: latest.backup.id },
      });
      const mismatched = result.mismatches.map((m) => m.table);
      record = {
        status: mismatched.length ? 'failed' : 'passed',
        backupId: result.backupId,
        takenAt: new Date(result.takenAt),
        tables: result.tables,
        rows: result.rows,
        mismatches: result.mismatches as unknown as Json,
        error: mismatched.length
          ? `Restored rows differ from the source in: ${mismatched.join(', ')}.`.slice(0, 1000)
          : null,
      };
    } catch (error) {
      if (!(error instanceof BackupError)) deps.logger.error({ err: error, tenantId }, 'restore drill crashed');
      record = {
        status: 'failed',
        backupId: latest.backup.id,
        takenAt: latest.backup.createdAt,
        tables: 0,
        rows: 0,
        mismatches: [],
        error: (error instanceof Error ? error.message : String(error)).slice(0, 1000),
      };
    }
  }
  const finishedAt = new Date();
  const id = await withTenant(deps.db, { tenantId, evenIfLocked: true }, async (trx) => {
    const row = await trx
      .insertInto('restoreDrills')
      .values({
        tenantId,
        backupId: record.backupId,
        backupTakenAt: record.takenAt,
        trigger,
        status: record.status,
        startedAt,
        finishedAt,
        tables: record.tables,
        rows: record.rows,
        mismatches: JSON.stringify(record.mismatches),
        error: record.error,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await writeTenantAudit(
      trx,
      tenantId,
      { type: 'system', display: 'Restore drill' },
      {},
      {
        action: record.status === 'passed' ? 'restore_drill.passed' : 'restore_drill.failed',
        outcome: record.status === 'passed' ? 'success' : 'failure',
        target: { type: 'backup', id: record.backupId ?? tenantId },
        after: { drillId: row.id, tables: record.tables, rows: record.rows, error: record.error },
      },
    );
    if (record.status === 'failed' && deps.operatorEmail) {
      await enqueueMail(
        trx,
        mails.restoreDrillFailed(deps.operatorEmail, {
          slug,
          backupId: record.backupId,
          reason: record.error ?? 'unknown',
          at: finishedAt,
        }),
      );
    }
    return row.id;
  });
  const fields = { task: RESTORE_DRILLS, tenantId, org: slug, drillId: id, backupId: record.backupId, trigger };
  if (record.status === 'passed')
    deps.logger.info({ ...fields, tables: record.tables, rows: record.rows }, `restore drill passed for ${slug}`);
  else deps.logger.error({ ...fields, alert: true, reason: record.error }, `ALERT: restore drill failed for ${slug}`);
  return {
    id,
    status: record.status,
    backupId: record.backupId,
    tables: record.tables,
    rows: record.rows,
    error: record.error,
  };
}

/** The nightly run: the organizations whose last drill is oldest first, `sample` of them (0: all). */
export async function runDrills(deps: DrillDeps): Promise<DrillRecord[]> {
  const { rows } = await sql<{ tenantId: string }>`select tenant_id from app_restore_drill_candidates(${
    deps.sample > 0 ? deps.sample : 100_000
  })`.execute(deps.db);
  const out: DrillRecord[] = [];
  for (const { tenantId } of rows) out.push(await runDrill(deps, tenantId, 'scheduled'));
  return out;
}

export function restoreDrillsTask(deps: DrillDeps): Task {
  return async () => {
    await runDrills(deps);
  };
}
