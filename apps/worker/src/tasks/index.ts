import type { Database } from '@mfiq/db';
import type { TaskList } from 'graphile-worker';
import type { Logger } from '../logger.ts';
import { CSV_IMPORT_TASK, csvImportTask } from './csv-import.ts';
import { PURGE_SESSIONS, purgeSessionsTask } from './purge-sessions.ts';

export interface TaskDeps {
  /** Connected as the worker role; per-tenant work goes through withTenant(db, ...). */
  db: Database;
  logger: Logger;
}

/** Every task the worker runs, by the identifier that jobs and the crontab use. */
export function createTaskList(deps: TaskDeps): TaskList {
  return {
    [PURGE_SESSIONS]: purgeSessionsTask(deps),
    [CSV_IMPORT_TASK]: csvImportTask(deps),
  };
}
