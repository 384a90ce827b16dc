import { z } from 'zod';
import { audit } from '../../audit.ts';
import { readCondition } from '../../alerts/conditions.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { findRule } from './query.ts';
import { ruleIdSchema } from './schemas.ts';

/** Deletes a rule with its alerts, their deliveries and inbox items (the audit trail keeps the record). */
export const remove = tenantProcedure
  .meta(requirePermission('alerts:manage'))
  .input(z.object({ id: ruleIdSchema }))
  .output(z.object({ deleted: z.literal(true) }))
  .mutation(async ({ ctx, input }) => {
    const rule = await findRule(ctx.db, ctx.tenant.id, input.id, { forUpdate: true });
    await ctx.db.deleteFrom('alertRules').where('tenantId', '=', ctx.tenant.id).where('id', '=', input.id).execute();
    await audit(ctx, {
      action: 'alert_rule.deleted',
      target: { type: 'alert_rule', id: input.id, display: rule.name },
      before: {
        name: rule.name,
        metric: rule.metricKey,
        grain: rule.grain,
        condition: readCondition(rule.kind, rule.condition),
      },
    });
    return { deleted: true as const };
  });
