import type { Database } from '@mfiq/db';
import type { TaskList } from 'graphile-worker';
import type { Logger } from '../logger.ts';
import { PURGE_SESSIONS, purgeSessionsTask } from './purge-sessions.ts';
import { SEND_EMAILS, sendEmailsTask, type Mailer } from './send-emails.ts';

export interface TaskDeps {
  /** Connected as the worker role; per-tenant work goes through withTenant(db, ...). */
  db: Database;
  logger: Logger;
  mailer: Mailer;
}

/** Every task the worker runs, by the identifier that jobs and the crontab use. */
export function createTaskList(deps: TaskDeps): TaskList {
  return {
    [PURGE_SESSIONS]: purgeSessionsTask(deps),
    [SEND_EMAILS]: sendEmailsTask(deps),
  };
}
