import type { Database } from '@mfiq/db';
import type { TaskList } from 'graphile-worker';
import type { Logger } from '../logger.ts';
import { CSV_IMPORT_TASK, csvImportTask } from './csv-import.ts';
import { AUDIT_DRAIN, auditDrainTask } from './audit-drain.ts';
import { BACKUP_ALL, BACKUP_TENANT, backupAllTask, backupTenantTask, type BackupDeps } from './backup.ts';
import { HOUSEKEEPING, housekeepingTask } from './housekeeping.ts';
import { DATA_RETENTION, dataRetentionTask } from './data-retention.ts';
import { ORG_ERASURE, erasureTask } from './erasure.ts';
import { RESTORE_DRILLS, restoreDrillsTask } from './restore-drills.ts';
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
  /** Organization lifecycle: restore drills and erasure (docs/decisions/0121, 0123). */
  lifecycle?: LifecycleDeps;
}

export interface LifecycleDeps {
  /** Organizations drilled per night; 0: all. */
  drillSample: number;
  /** Failed drills are mailed here (besides the log and the metric). */
  operatorEmail: string | null;
  /** Where the dev mailbox keeps mail (when not sending): an erased organization's mail goes too. */
  mailboxDir: string | null;
}

/** Every task the worker runs, by the identifier that jobs and the crontab use. */
export function createTaskList(deps: TaskDeps): TaskList {
  const { backups } = deps;
  const lifecycle = deps.lifecycle ?? { drillSample: 0, operatorEmail: null, mailboxDir: null };
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
    [ORG_ERASURE]: erasureTask({
      db: deps.db,
      logger: deps.logger,
      storage: backups?.storage ?? null,
      mailboxDir: lifecycle.mailboxDir,
    }),
    [DATA_RETENTION]: dataRetentionTask(deps),
    ...(backups
      ? {
          [RESTORE_DRILLS]: restoreDrillsTask({
            db: deps.db,
            logger: deps.logger,
            storage: backups.storage,
            keyring: backups.keyring,
            sample: lifecycle.drillSample,
            operatorEmail: lifecycle.operatorEmail,
          }),
        }
      : {}),
  };
}
