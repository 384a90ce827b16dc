import { z } from 'zod';
import { audit } from '../../audit.ts';
import { AppError } from '../../errors.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { findRule } from './query.ts';
import { ruleIdSchema, unmuteInput } from './schemas.ts';

const MAX_SNOOZE_DAYS = 90;

/**
 * The caller stops hearing from a rule: snoozed until a time, or muted until they unmute it. Only
 * their own notifications change; everyone else's stay as they are.
 */
export const mute = tenantProcedure
  .meta(requirePermission('metrics:read'))
  .input(
    z.object({
      ruleId: ruleIdSchema,
      until: z.coerce.date({ error: 'Snooze until a date and time' }).nullable(),
    }),
  )
  .output(z.object({ until: z.date().nullable() }))
  .mutation(async ({ ctx, input }) => {
    const rule = await findRule(ctx.db, ctx.tenant.id, input.ruleId);
    const now = Date.now();
    if (input.until && input.until.getTime() <= now)
      throw new AppError('INVALID', 'Snooze until a time in the future', {
        fieldErrors: { until: ['Choose a time in the future'] },
      });
    if (input.until && input.until.getTime() > now + MAX_SNOOZE_DAYS * 86_400_000)
      throw new AppError('INVALID', `Snooze for at most ${MAX_SNOOZE_DAYS} days (mute the rule to stop it for good)`, {
        fieldErrors: { until: [`At most ${MAX_SNOOZE_DAYS} days ahead`] },
      });
    await ctx.db
      .insertInto('alertMutes')
      .values({ tenantId: ctx.tenant.id, ruleId: rule.id, membershipId: ctx.membershipId, until: input.until })
      .onConflict((oc) =>
        oc.columns(['tenantId', 'ruleId', 'membershipId']).doUpdateSet({ until: input.until, createdAt: new Date() }),
      )
      .execute();
    await audit(ctx, {
      action: input.until ? 'alert_rule.snoozed' : 'alert_rule.muted',
      target: { type: 'alert_rule', id: rule.id, display: rule.name },
      after: { until: input.until },
    });
    return { until: input.until };
  });

export const unmute = tenantProcedure
  .meta(requirePermission('metrics:read'))
  .input(unmuteInput)
  .output(z.object({ muted: z.literal(false) }))
  .mutation(async ({ ctx, input }) => {
    const rule = await findRule(ctx.db, ctx.tenant.id, input.ruleId);
    const deleted = await ctx.db
      .deleteFrom('alertMutes')
      .where('tenantId', '=', ctx.tenant.id)
      .where('ruleId', '=', rule.id)
      .where('membershipId', '=', ctx.membershipId)
      .executeTakeFirst();
    if (Number(deleted.numDeletedRows))
      await audit(ctx, {
        action: 'alert_rule.unmuted',
        target: { type: 'alert_rule', id: rule.id, display: rule.name },
      });
    return { muted: false as const };
  });
