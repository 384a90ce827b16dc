import type { Database } from '@mfiq/db';
import type { TaskList } from 'graphile-worker';
import type { Logger } from '../logger.ts';
import { CSV_IMPORT_TASK, csvImportTask } from './csv-import.ts';
import { AUDIT_DRAIN, auditDrainTask } from './audit-drain.ts';
import { BACKUP_ALL, BACKUP_TENANT, backupAllTask, backupTenantTask, type BackupDeps } from './backup.ts';
import { HOUSEKEEPING, housekeepingTask } from './housekeeping.ts';
import { PURGE_SESSIONS, purgeSessionsTask } from './purge-sessions.ts';
import { SEND_EMAILS, sendEmailsTask, type Mailer } from './send-emails.ts';

export interface TaskDeps {
  /** Connected as the worker role; per-tenant work goes through withTenant(db, ...). */
  db: Database;
  logger: Logger;
  mailer: Mailer;
  auditBatchSize?: number;
  /** Storage, keys and retention; without them the worker runs no backup tasks. */
  backups?: BackupDeps;
}

/** Every task the worker runs, by the identifier that jobs and the crontab use. */
export function createTaskList(deps: TaskDeps): TaskList {
  const { backups } = deps;
  return {
    [PURGE_SESSIONS]: purgeSessionsTask(deps),
    [SEND_EMAILS]: sendEmailsTask(deps),
    [HOUSEKEEPING]: housekeepingTask(deps),
    [CSV_IMPORT_TASK]: csvImportTask(deps),
    [AUDIT_DRAIN]: auditDrainTask({ db: deps.db, logger: deps.logger, batchSize: deps.auditBatchSize ?? 500 }),
    ...(backups
      ? { [BACKUP_ALL]: backupAllTask({ ...deps, backups }), [BACKUP_TENANT]: backupTenantTask({ ...deps, backups }) }
      : {}),
  };
}
