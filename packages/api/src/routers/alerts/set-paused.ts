import { z } from 'zod';
import { audit } from '../../audit.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { findRule, queueRuleEvaluation, resolveOpenEvents } from './query.ts';
import { ruleIdSchema } from './schemas.ts';

/** Pauses (no evaluation; its open alerts resolve) or resumes a rule (evaluated again at once). */
export const setPaused = tenantProcedure
  .meta(requirePermission('alerts:manage'))
  .input(z.object({ id: ruleIdSchema, paused: z.boolean({ error: 'paused is true or false' }) }))
  .output(z.object({ paused: z.boolean() }))
  .mutation(async ({ ctx, input }) => {
    const rule = await findRule(ctx.db, ctx.tenant.id, input.id, { forUpdate: true });
    if (!!rule.pausedAt === input.paused) return { paused: input.paused };
    await ctx.db
      .updateTable('alertRules')
      .set({ pausedAt: input.paused ? new Date() : null, updatedAt: new Date() })
      .where('tenantId', '=', ctx.tenant.id)
      .where('id', '=', input.id)
      .execute();
    if (input.paused) await resolveOpenEvents(ctx.db, ctx.tenant.id, input.id, 'The rule was paused');
    else await queueRuleEvaluation(ctx.db, ctx.tenant.id, input.id);
    await audit(ctx, {
      action: input.paused ? 'alert_rule.paused' : 'alert_rule.resumed',
      target: { type: 'alert_rule', id: input.id, display: rule.name },
    });
    return { paused: input.paused };
  });
