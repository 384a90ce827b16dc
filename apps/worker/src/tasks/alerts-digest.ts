import { sendDigests } from '@mfiq/api/alerts';
import type { Task } from 'graphile-worker';
import { z } from 'zod';
import type { AlertDeps } from './alerts-evaluate.ts';

export const DIGEST_TASK = 'alerts_digest';

const payloadSchema = z.object({ tenantId: z.uuid() });

/** Sends the digests due in one organization (packages/api/src/alerts/digest.ts); idempotent per period. */
export function alertsDigestTask(deps: AlertDeps): Task {
  return async (payload, helpers) => {
    const parsed = payloadSchema.safeParse(payload);
    if (!parsed.success) {
      deps.logger.error({ task: DIGEST_TASK, jobId: helpers.job.id }, 'digest job with an invalid payload: dropped');
      return;
    }
    const result = await sendDigests(deps.db, { tenantId: parsed.data.tenantId, publicUrl: deps.publicUrl });
    if (result.sent)
      deps.logger.info(
        { task: DIGEST_TASK, jobId: helpers.job.id, ...parsed.data, ...result },
        `digests: ${result.sent} sent`,
      );
  };
}
