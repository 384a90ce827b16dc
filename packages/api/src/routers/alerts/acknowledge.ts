import { z } from 'zod';
import { audit } from '../../audit.ts';
import { AppError, notFound } from '../../errors.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { acknowledgeInput } from './schemas.ts';

/**
 * "I am on it": a firing alert becomes acknowledged, for everyone, with who and when. Any member
 * who can see alerts can acknowledge one; it is audited. A resolved alert has nothing to acknowledge.
 */
export const acknowledge = tenantProcedure
  .meta(requirePermission('metrics:read'))
  .input(acknowledgeInput)
  .output(z.object({ state: z.literal('acknowledged'), acknowledgedAt: z.date() }))
  .mutation(async ({ ctx, input }) => {
    const event = await ctx.db
      .selectFrom('alertEvents')
      .select(['id', 'state', 'ruleId', 'occurrence', 'acknowledgedAt'])
      .where('tenantId', '=', ctx.tenant.id)
      .where('id', '=', input.eventId)
      .forUpdate()
      .executeTakeFirst();
    if (!event) throw notFound('No such alert');
    if (event.state === 'acknowledged')
      return { state: 'acknowledged' as const, acknowledgedAt: event.acknowledgedAt! };
    if (event.state === 'resolved') throw new AppError('CONFLICT', 'This alert is resolved already');
    const acknowledgedAt = new Date();
    await ctx.db
      .updateTable('alertEvents')
      .set({ state: 'acknowledged', acknowledgedAt, acknowledgedBy: ctx.user.id })
      .where('tenantId', '=', ctx.tenant.id)
      .where('id', '=', event.id)
      .execute();
    await audit(ctx, {
      action: 'alert.acknowledged',
      target: { type: 'alert_event', id: event.id, display: event.occurrence },
      before: { state: event.state },
      after: { state: 'acknowledged', ruleId: event.ruleId },
    });
    return { state: 'acknowledged' as const, acknowledgedAt };
  });
