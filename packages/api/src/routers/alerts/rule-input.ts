import type { z } from 'zod';
import type { TenantDb } from '@mfiq/db';
import { conditionProblem, storedCondition } from '../../alerts/conditions.ts';
import { AppError } from '../../errors.ts';
import { findMetric } from '../metrics/query.ts';
import { checkRecipients, minutesOf } from './query.ts';
import type { createRuleInput } from './schemas.ts';

type RuleInput = z.infer<typeof createRuleInput>;

/**
 * Turns a checked rule input into the row's columns: the metric by key in this organization, the
 * recipients by id in this organization, the condition checked against the grain.
 */
export async function ruleColumns(db: TenantDb, tenantId: string, input: RuleInput) {
  const metric = await findMetric(db, tenantId, input.metricKey);
  if (metric.archived)
    throw new AppError('INVALID', 'This metric is archived: restore it to alert on it', {
      fieldErrors: { metricKey: ['This metric is archived'] },
    });
  const problem = conditionProblem(input.condition, input.grain);
  if (problem) throw new AppError('INVALID', problem, { fieldErrors: { 'condition.window': [problem] } });
  await checkRecipients(db, tenantId, input.recipients);
  return {
    metric,
    columns: {
      name: input.name,
      metricId: metric.id,
      kind: input.condition.kind,
      grain: input.grain,
      condition: storedCondition(input.condition),
      quietStartMinute: input.quietHours ? minutesOf(input.quietHours.start) : null,
      quietEndMinute: input.quietHours ? minutesOf(input.quietHours.end) : null,
      cooldownMinutes: input.cooldownMinutes,
    },
  };
}

/** What the audit trail records of a rule (no recipients' addresses, only counts and ids). */
export function auditedRule(input: RuleInput) {
  return {
    name: input.name,
    metric: input.metricKey,
    grain: input.grain,
    condition: input.condition,
    members: input.recipients.members.length,
    channels: input.recipients.channels.length,
    quietHours: input.quietHours ? `${input.quietHours.start}-${input.quietHours.end}` : null,
    cooldownMinutes: input.cooldownMinutes,
  };
}
