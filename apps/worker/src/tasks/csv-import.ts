import type { Database } from '@mfiq/db';
import { CSV_IMPORT_TASK, IMPORT_MAX_ATTEMPTS, runImport } from '@mfiq/api/imports';
import type { Task } from 'graphile-worker';
import { z } from 'zod';
import type { Logger } from '../logger.ts';

export { CSV_IMPORT_TASK };

const payloadSchema = z.object({ tenantId: z.uuid(), importId: z.uuid() });

/**
 * Runs a queued CSV import (jobs are queued by imports.start on the per-organization queue). All
 * reads and writes go through withTenant with the payload's tenant, so a job can only touch the
 * import of the organization that queued it; a crash is retried from the start (idempotent).
 */
export function csvImportTask(deps: { db: Database; logger: Logger }): Task {
  return async (payload, helpers) => {
    const parsed = payloadSchema.safeParse(payload);
    if (!parsed.success) {
      deps.logger.error(
        { task: CSV_IMPORT_TASK, jobId: helpers.job.id },
        'csv import job with an invalid payload: dropped',
      );
      return;
    }
    const started = performance.now();
    const outcome = await runImport({
      db: deps.db,
      tenantId: parsed.data.tenantId,
      importId: parsed.data.importId,
      jobId: String(helpers.job.id),
      attempt: helpers.job.attempts,
      maxAttempts: helpers.job.max_attempts ?? IMPORT_MAX_ATTEMPTS,
    });
    const durationMs = Math.round(performance.now() - started);
    deps.logger.info(
      { task: CSV_IMPORT_TASK, jobId: helpers.job.id, ...parsed.data, ...outcome, durationMs },
      `csv import ${outcome.status}`,
    );
  };
}
