import type { Database } from '@mfiq/db';
import type { TaskList } from 'graphile-worker';
import type { Logger } from '../logger.ts';
import { CSV_IMPORT_TASK, csvImportTask } from './csv-import.ts';
import { AUDIT_DRAIN, auditDrainTask } from './audit-drain.ts';
import { BACKUP_ALL, BACKUP_TENANT, backupAllTask, backupTenantTask, type BackupDeps } from './backup.ts';
import { HOUSEKEEPING, housekeepingTask } from './housekeeping.ts';
import { PURGE_SESSIONS, purgeSessionsTask } from './purge-sessions.ts';
import { SEND_EMAILS, sendEmailsTask, type Mailer } from './send-emails.ts';
import { alertsEvaluateTask, EVALUATE_TASK } from './alerts-evaluate.ts';
import { alertsDeliverTask, DELIVER_TASK, type WebhookDeps } from './alerts-deliver.ts';
import { alertsDigestTask, DIGEST_TASK } from './alerts-digest.ts';
import { alertsSweepTask, SWEEP_TASK } from './alerts-sweep.ts';

export interface TaskDeps {
  /** Connected as the worker role; per-tenant work goes through withTenant(db, ...). */
  db: Database;
  logger: Logger;
  mailer: Mailer;
  auditBatchSize?: number;
  /** Storage, keys and retention; without them the worker runs no backup tasks. */
  backups?: BackupDeps;
  /** Base of links in alert mail, webhooks and digests. */
  publicUrl: string;
  /** Signing and sending webhooks. */
  webhooks: WebhookDeps;
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
    [EVALUATE_TASK]: alertsEvaluateTask(deps),
    [DELIVER_TASK]: alertsDeliverTask(deps),
    [DIGEST_TASK]: alertsDigestTask(deps),
    [SWEEP_TASK]: alertsSweepTask(deps),
    ...(backups
      ? { [BACKUP_ALL]: backupAllTask({ ...deps, backups }), [BACKUP_TENANT]: backupTenantTask({ ...deps, backups }) }
      : {}),
  };
}
