import { z } from 'zod';
import { audit } from '../../audit.ts';
import { readCondition } from '../../alerts/conditions.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { findRule, queueRuleEvaluation, quietHoursOf, replaceRecipients, resolveOpenEvents } from './query.ts';
import { auditedRule, ruleColumns } from './rule-input.ts';
import { updateRuleInput } from './schemas.ts';

/**
 * Replaces a rule's definition. When what it watches changes (metric, grain or condition), its
 * open alerts are resolved ("the rule was changed"): they describe a rule that no longer exists.
 */
export const update = tenantProcedure
  .meta(requirePermission('alerts:manage'))
  .input(updateRuleInput)
  .output(z.object({ id: z.string(), resolved: z.number() }))
  .mutation(async ({ ctx, input }) => {
    const { id, ...fields } = input;
    const before = await findRule(ctx.db, ctx.tenant.id, id, { forUpdate: true });
    const { columns } = await ruleColumns(ctx.db, ctx.tenant.id, fields);
    await ctx.db
      .updateTable('alertRules')
      .set({ ...columns, updatedAt: new Date() })
      .where('tenantId', '=', ctx.tenant.id)
      .where('id', '=', id)
      .execute();
    await replaceRecipients(ctx.db, ctx.tenant.id, id, fields.recipients);
    const canon = (c: object | null) => JSON.stringify(Object.entries(c ?? {}).sort(([a], [b]) => a.localeCompare(b)));
    const changed =
      before.metricId !== columns.metricId ||
      before.grain !== columns.grain ||
      canon(readCondition(before.kind, before.condition)) !== canon(fields.condition);
    const resolved = changed ? await resolveOpenEvents(ctx.db, ctx.tenant.id, id, 'The rule was changed') : 0;
    if (!before.pausedAt) await queueRuleEvaluation(ctx.db, ctx.tenant.id, id);
    await audit(ctx, {
      action: 'alert_rule.updated',
      target: { type: 'alert_rule', id, display: fields.name },
      before: {
        name: before.name,
        metric: before.metricKey,
        grain: before.grain,
        condition: readCondition(before.kind, before.condition),
        quietHours: quietHoursOf(before),
        cooldownMinutes: before.cooldownMinutes,
      },
      after: { ...auditedRule(fields), resolvedOpenAlerts: resolved },
    });
    return { id, resolved };
  });
