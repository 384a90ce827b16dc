import { evaluateTenant, EVALUATE_TASK, RULE_KINDS, type RuleScope } from '@mfiq/api/alerts';
import type { Database } from '@mfiq/db';
import type { Task } from 'graphile-worker';
import { z } from 'zod';
import type { Logger } from '../logger.ts';

export { EVALUATE_TASK };

/**
 * Who asks for an evaluation: the data_points trigger (one metric, keyed per metric), saving or
 * resuming a rule (one rule), and the sweep (rules whose answer changes with time, or all).
 */
const payloadSchema = z.union([
  z.object({ tenantId: z.uuid(), metricId: z.uuid() }),
  z.object({ tenantId: z.uuid(), ruleId: z.uuid() }),
  z.object({ tenantId: z.uuid(), kinds: z.array(z.enum(RULE_KINDS)).min(1) }),
  z.object({ tenantId: z.uuid(), all: z.literal(true) }),
]);

export interface AlertDeps {
  db: Database;
  logger: Logger;
  /** Base of links in alert mail and webhooks. */
  publicUrl: string;
}

/** Evaluates an organization's rules in one tenant transaction (see packages/api/src/alerts/engine.ts). */
export function alertsEvaluateTask(deps: AlertDeps): Task {
  return async (payload, helpers) => {
    const parsed = payloadSchema.safeParse(payload);
    if (!parsed.success) {
      deps.logger.error(
        { task: EVALUATE_TASK, jobId: helpers.job.id },
        'alert evaluation job with an invalid payload: dropped',
      );
      return;
    }
    const p = parsed.data;
    const scope: RuleScope =
      'metricId' in p
        ? { touchedMetricIds: [p.metricId] }
        : 'ruleId' in p
          ? { ruleIds: [p.ruleId] }
          : 'kinds' in p
            ? { kinds: p.kinds }
            : { all: true };
    const started = performance.now();
    // A locked organization is not entered and its alerts do not fire: the job ends without a retry
    // (evaluateTenant answers `locked`), and the sweep evaluates its rules again once it is unlocked.
    const result = await evaluateTenant(deps.db, { tenantId: p.tenantId, scope, publicUrl: deps.publicUrl });
    if (result.status === 'locked') {
      deps.logger.info(
        { task: EVALUATE_TASK, jobId: helpers.job.id, tenantId: p.tenantId },
        'alerts: organization locked, not evaluated',
      );
      return;
    }
    const level = result.fired || result.resolved ? 'info' : 'debug';
    deps.logger[level](
      {
        task: EVALUATE_TASK,
        jobId: helpers.job.id,
        tenantId: p.tenantId,
        ...result,
        durationMs: Math.round(performance.now() - started),
      },
      `alerts: ${result.rules} rule(s) evaluated, ${result.fired} fired, ${result.resolved} resolved`,
    );
  };
}
