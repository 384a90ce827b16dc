import { evaluateTenant, EVALUATE_TASK, RULE_KINDS, type RuleScope } from '@mfiq/api/alerts';
import type { Database } from '@mfiq/db';
import type { Task } from 'graphile-worker';
import { z } from 'zod';
import type { Logger } from '../logger.ts';

export { EVALUATE_TASK };

/**
 * The data_points trigger's batch (migration 0041): one job per organization whose payload is an
 * array of {tenantId, metricIds}, one entry per writing statement, concatenated by graphile-worker
 * under the organization's job key until the job starts.
 */
const batchSchema = z
  .array(z.object({ tenantId: z.uuid(), metricIds: z.array(z.uuid()).min(1).max(100_000) }))
  .min(1)
  .max(1_000_000);

/**
 * Who else asks for an evaluation: saving or resuming a rule (one rule), the sweep (rules whose
 * answer changes with time, or all), and per-metric jobs queued by the trigger before migration 0041.
 */
const singleSchema = z.union([
  z.object({ tenantId: z.uuid(), metricId: z.uuid() }),
  z.object({ tenantId: z.uuid(), ruleId: z.uuid() }),
  z.object({ tenantId: z.uuid(), kinds: z.array(z.enum(RULE_KINDS)).min(1) }),
  z.object({ tenantId: z.uuid(), all: z.literal(true) }),
]);

/**
 * Past this many distinct metrics (a long burst of writes queued while the workers were busy), a
 * batch evaluates the organization's every rule instead: the same verdicts, and the work stays
 * bounded by the rules (10,000 at most) rather than by the length of the payload.
 */
export const MAX_TOUCHED_METRICS = 2_000;

/** The evaluations a job asks for: one per organization, in order of first appearance. */
export function evaluationsOf(payload: unknown): { tenantId: string; scope: RuleScope }[] | null {
  const batch = batchSchema.safeParse(payload);
  if (batch.success) {
    const touched = new Map<string, Set<string>>();
    for (const { tenantId, metricIds } of batch.data) {
      const set = touched.get(tenantId) ?? new Set<string>();
      for (const id of metricIds) set.add(id);
      touched.set(tenantId, set);
    }
    return [...touched].map(([tenantId, ids]) => ({
      tenantId,
      scope: ids.size > MAX_TOUCHED_METRICS ? { all: true } : { touchedMetricIds: [...ids] },
    }));
  }
  const single = singleSchema.safeParse(payload);
  if (!single.success) return null;
  const p = single.data;
  const scope: RuleScope =
    'metricId' in p
      ? { touchedMetricIds: [p.metricId] }
      : 'ruleId' in p
        ? { ruleIds: [p.ruleId] }
        : 'kinds' in p
          ? { kinds: p.kinds }
          : { all: true };
  return [{ tenantId: p.tenantId, scope }];
}

export interface AlertDeps {
  db: Database;
  logger: Logger;
  /** Base of links in alert mail and webhooks. */
  publicUrl: string;
}

/** Evaluates an organization's rules in one tenant transaction (see packages/api/src/alerts/engine.ts). */
export function alertsEvaluateTask(deps: AlertDeps): Task {
  return async (payload, helpers) => {
    const evaluations = evaluationsOf(payload);
    if (!evaluations) {
      deps.logger.error(
        { task: EVALUATE_TASK, jobId: helpers.job.id },
        'alert evaluation job with an invalid payload: dropped',
      );
      return;
    }
    // A batch is keyed per organization, so this is one evaluation; a retry repeats it whole, which
    // the events' unique key makes harmless.
    for (const { tenantId, scope } of evaluations) {
      const started = performance.now();
      // A locked organization is not entered and its alerts do not fire: the job ends without a retry
      // (evaluateTenant answers `locked`), and the sweep evaluates its rules again once it is unlocked.
      const result = await evaluateTenant(deps.db, { tenantId, scope, publicUrl: deps.publicUrl });
      if (result.status === 'locked') {
        deps.logger.info(
          { task: EVALUATE_TASK, jobId: helpers.job.id, tenantId },
          'alerts: organization locked, not evaluated',
        );
        continue;
      }
      const level = result.fired || result.resolved ? 'info' : 'debug';
      deps.logger[level](
        {
          task: EVALUATE_TASK,
          jobId: helpers.job.id,
          tenantId,
          metrics: 'touchedMetricIds' in scope ? scope.touchedMetricIds.length : undefined,
          ...result,
          durationMs: Math.round(performance.now() - started),
        },
        `alerts: ${result.rules} rule(s) evaluated, ${result.fired} fired, ${result.resolved} resolved`,
      );
    }
  };
}
