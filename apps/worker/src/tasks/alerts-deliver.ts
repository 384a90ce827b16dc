import type { SecretBox } from '@mfiq/auth';
import { DELIVER_TASK, deliverWebhooks, type EgressPolicy, type Resolver } from '@mfiq/api/alerts';
import type { Task } from 'graphile-worker';
import { z } from 'zod';
import type { AlertDeps } from './alerts-evaluate.ts';

export { DELIVER_TASK };

const payloadSchema = z.object({ tenantId: z.uuid() });

export interface WebhookDeps {
  secretBox: SecretBox | null;
  policy: EgressPolicy;
  resolver?: Resolver;
  timeoutMs?: number;
  backoffSeconds?: readonly number[];
}

/**
 * Sends one organization's due webhooks (packages/api/src/alerts/deliver.ts), then books a wake-up
 * for the earliest retry; the minutely sweep is the backstop for anything missed.
 */
export function alertsDeliverTask(deps: AlertDeps & { webhooks: WebhookDeps }): Task {
  return async (payload, helpers) => {
    const parsed = payloadSchema.safeParse(payload);
    if (!parsed.success) {
      deps.logger.error(
        { task: DELIVER_TASK, jobId: helpers.job.id },
        'webhook delivery job with an invalid payload: dropped',
      );
      return;
    }
    const { tenantId } = parsed.data;
    const result = await deliverWebhooks({
      db: deps.db,
      tenantId,
      publicUrl: deps.publicUrl,
      secretBox: deps.webhooks.secretBox,
      policy: deps.webhooks.policy,
      ...(deps.webhooks.resolver ? { resolver: deps.webhooks.resolver } : {}),
      ...(deps.webhooks.timeoutMs ? { timeoutMs: deps.webhooks.timeoutMs } : {}),
      ...(deps.webhooks.backoffSeconds ? { backoffSeconds: deps.webhooks.backoffSeconds } : {}),
    });
    if (result.nextDueAt)
      await helpers.addJob(
        DELIVER_TASK,
        { tenantId },
        { runAt: result.nextDueAt, jobKey: `${DELIVER_TASK}:${tenantId}`, jobKeyMode: 'replace', maxAttempts: 3 },
      );
    if (result.sent || result.failed || result.retrying)
      deps.logger.info(
        { task: DELIVER_TASK, jobId: helpers.job.id, tenantId, ...result },
        `webhooks: ${result.sent} sent, ${result.retrying} to retry, ${result.failed} failed`,
      );
  };
}
