import type { Database } from '@mfiq/db';
import type { Task } from 'graphile-worker';
import { applyRetention } from '../audit/retention.ts';
import type { Logger } from '../logger.ts';

export const AUDIT_RETENTION = 'audit_retention';

/** Daily: purge expired audit events per organization, leaving a signed checkpoint. */
export function auditRetentionTask(deps: { db: Database; checkpointKey: Buffer; logger: Logger }): Task {
  return async (_payload, helpers) => {
    const result = await applyRetention(deps.db, deps.checkpointKey);
    deps.logger.info(
      { task: AUDIT_RETENTION, jobId: helpers.job.id, ...result },
      `purged ${result.purged} expired audit event(s)`,
    );
  };
}
