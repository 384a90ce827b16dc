import type { Database } from '@mfiq/db';
import type { Task } from 'graphile-worker';
import { drainAll } from '../audit/drain.ts';
import { AUDIT_DRAIN } from '../audit/wake.ts';
import type { Logger } from '../logger.ts';

export { AUDIT_DRAIN };

/** The graphile-worker task: drains both outboxes; several may run at once (they skip each other's tenants). */
export function auditDrainTask(deps: { db: Database; logger: Logger; batchSize: number }): Task {
  return async (_payload, helpers) => {
    const started = performance.now();
    const result = await drainAll(deps.db, { batchSize: deps.batchSize });
    if (result.events || result.busy) {
      deps.logger.info(
        { task: AUDIT_DRAIN, jobId: helpers.job.id, ...result, durationMs: Math.round(performance.now() - started) },
        `drained ${result.events} audit event(s)`,
      );
    }
  };
}
