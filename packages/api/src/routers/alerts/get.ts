import { z } from 'zod';
import { conditionSchema, readCondition } from '../../alerts/conditions.ts';
import { describeCondition } from '../../alerts/explain.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { deliveriesOf, selectEvents, toEvent } from './events.ts';
import { findRule, quietHoursOf } from './query.ts';
import { deliveryOutput, eventIdSchema, eventOutput, quietHoursSchema, ruleIdSchema } from './schemas.ts';
import { GRAINS } from '../../metrics/periods.ts';

const EVENTS_SHOWN = 50;

/**
 * One rule as its page shows it: the definition, recipients, the caller's mute, and its latest
 * alerts with their deliveries, plus `event` (the alert an inbox item opens) when it is older than
 * those: it is looked up within this rule only, so another rule's or organization's id adds nothing.
 */
export const get = tenantProcedure
  .meta(requirePermission('metrics:read'))
  .input(z.object({ id: ruleIdSchema, event: eventIdSchema.optional() }))
  .output(
    z.object({
      rule: z.object({
        id: z.string(),
        name: z.string(),
        metricKey: z.string(),
        metricName: z.string(),
        grain: z.enum(GRAINS),
        condition: conditionSchema.nullable(),
        conditionText: z.string(),
        quietHours: quietHoursSchema.nullable(),
        cooldownMinutes: z.number(),
        paused: z.boolean(),
        createdAt: z.date(),
        updatedAt: z.date(),
        members: z.array(z.object({ membershipId: z.string(), name: z.string(), email: z.string() })),
        channels: z.array(z.object({ id: z.string(), name: z.string() })),
      }),
      myMute: z.object({ until: z.date().nullable() }).nullable(),
      events: z.array(eventOutput.extend({ deliveries: z.array(deliveryOutput) })),
      /** How many alerts the rule has in all (the page says when it shows fewer). */
      totalEvents: z.number(),
    }),
  )
  .query(async ({ ctx, input }) => {
    const rule = await findRule(ctx.db, ctx.tenant.id, input.id);
    const condition = readCondition(rule.kind, rule.condition);
    const members = await ctx.db
      .selectFrom('alertRuleRecipients as x')
      .innerJoin('memberships as ms', (j) =>
        j.onRef('ms.tenantId', '=', 'x.tenantId').onRef('ms.id', '=', 'x.membershipId'),
      )
      .innerJoin('users as u', 'u.id', 'ms.userId')
      .select(['ms.id as membershipId', 'u.displayName as name', 'u.email'])
      .where('x.tenantId', '=', ctx.tenant.id)
      .where('x.ruleId', '=', rule.id)
      .orderBy('u.displayName')
      .execute();
    const channels = await ctx.db
      .selectFrom('alertRuleRecipients as x')
      .innerJoin('alertChannels as c', (j) =>
        j.onRef('c.tenantId', '=', 'x.tenantId').onRef('c.id', '=', 'x.channelId'),
      )
      .select(['c.id', 'c.name'])
      .where('x.tenantId', '=', ctx.tenant.id)
      .where('x.ruleId', '=', rule.id)
      .orderBy('c.name')
      .execute();
    const mute = await ctx.db
      .selectFrom('alertMutes')
      .select('until')
      .where('tenantId', '=', ctx.tenant.id)
      .where('ruleId', '=', rule.id)
      .where('membershipId', '=', ctx.membershipId)
      .executeTakeFirst();
    const events = (
      await selectEvents(ctx.db, ctx.tenant.id)
        .where('e.ruleId', '=', rule.id)
        .orderBy('e.firedAt', 'desc')
        .orderBy('e.id')
        .limit(EVENTS_SHOWN)
        .execute()
    ).map(toEvent);
    if (input.event && !events.some((e) => e.id === input.event)) {
      const older = await selectEvents(ctx.db, ctx.tenant.id)
        .where('e.ruleId', '=', rule.id)
        .where('e.id', '=', input.event)
        .executeTakeFirst();
      if (older) events.push(toEvent(older));
    }
    const { total } = await ctx.db
      .selectFrom('alertEvents')
      .select((eb) => eb.fn.countAll<string>().as('total'))
      .where('tenantId', '=', ctx.tenant.id)
      .where('ruleId', '=', rule.id)
      .executeTakeFirstOrThrow();
    const deliveries = await deliveriesOf(
      ctx.db,
      ctx.tenant.id,
      events.map((e) => e.id),
    );
    return {
      rule: {
        id: rule.id,
        name: rule.name,
        metricKey: rule.metricKey,
        metricName: rule.metricName,
        grain: rule.grain,
        condition,
        conditionText: condition ? describeCondition(condition, rule.grain, rule) : 'this rule can no longer be read',
        quietHours: quietHoursOf(rule),
        cooldownMinutes: rule.cooldownMinutes,
        paused: rule.pausedAt !== null,
        createdAt: rule.createdAt,
        updatedAt: rule.updatedAt,
        members,
        channels,
      },
      myMute: mute && (mute.until === null || mute.until > new Date()) ? { until: mute.until } : null,
      events: events.map((e) => ({ ...e, deliveries: deliveries.get(e.id) ?? [] })),
      totalEvents: Number(total),
    };
  });
