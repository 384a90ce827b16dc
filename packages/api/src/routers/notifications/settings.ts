import { z } from 'zod';
import { audit } from '../../audit.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { findMetric } from '../metrics/query.ts';
import { metricKeySchema } from '../metrics/schemas.ts';
import { DIGESTS, MUTES_LISTED, settingsOutput, updateSettingsInput } from './schemas.ts';

/** The caller's notification settings in this organization, with the metrics their digest covers. */
export const settings = tenantProcedure
  .meta(requirePermission('metrics:read'))
  .output(settingsOutput)
  .query(async ({ ctx }) => {
    const prefs = await ctx.db
      .selectFrom('notificationPreferences')
      .select(['emailAlerts', 'digest'])
      .where('tenantId', '=', ctx.tenant.id)
      .where('membershipId', '=', ctx.membershipId)
      .executeTakeFirst();
    const following = await ctx.db
      .selectFrom('metricFollows as f')
      .innerJoin('metrics as m', (j) => j.onRef('m.tenantId', '=', 'f.tenantId').onRef('m.id', '=', 'f.metricId'))
      .select(['m.key', 'm.name'])
      .where('f.tenantId', '=', ctx.tenant.id)
      .where('f.membershipId', '=', ctx.membershipId)
      .orderBy('m.name')
      .execute();
    const owned = await ctx.db
      .selectFrom('metrics')
      .select(['key', 'name'])
      .where('tenantId', '=', ctx.tenant.id)
      .where('ownerMembershipId', '=', ctx.membershipId)
      .where('archivedAt', 'is', null)
      .orderBy('name')
      .execute();
    const now = new Date();
    const inForce = ctx.db
      .selectFrom('alertMutes as x')
      .where('x.tenantId', '=', ctx.tenant.id)
      .where('x.membershipId', '=', ctx.membershipId)
      .where((eb) => eb.or([eb('x.until', 'is', null), eb('x.until', '>', now)]));
    const mutes = await inForce
      .innerJoin('alertRules as r', (j) => j.onRef('r.tenantId', '=', 'x.tenantId').onRef('r.id', '=', 'x.ruleId'))
      .innerJoin('metrics as m', (j) => j.onRef('m.tenantId', '=', 'r.tenantId').onRef('m.id', '=', 'r.metricId'))
      .select(['x.ruleId', 'r.name as ruleName', 'm.name as metricName', 'x.until'])
      .orderBy('r.name')
      .orderBy('x.ruleId')
      .limit(MUTES_LISTED)
      .execute();
    const { n } = await inForce.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    return {
      emailAlerts: prefs?.emailAlerts ?? true,
      digest: prefs?.digest ?? 'off',
      following,
      owned,
      mutes,
      mutedCount: Number(n),
    };
  });

export const updateSettings = tenantProcedure
  .meta(requirePermission('metrics:read'))
  .input(updateSettingsInput)
  .output(z.object({ emailAlerts: z.boolean(), digest: z.enum(DIGESTS) }))
  .mutation(async ({ ctx, input: { emailAlerts, digest } }) => {
    const input = { emailAlerts, digest };
    const before = await ctx.db
      .selectFrom('notificationPreferences')
      .select(['emailAlerts', 'digest'])
      .where('tenantId', '=', ctx.tenant.id)
      .where('membershipId', '=', ctx.membershipId)
      .executeTakeFirst();
    await ctx.db
      .insertInto('notificationPreferences')
      .values({ tenantId: ctx.tenant.id, membershipId: ctx.membershipId, ...input })
      .onConflict((oc) => oc.columns(['tenantId', 'membershipId']).doUpdateSet({ ...input, updatedAt: new Date() }))
      .execute();
    await audit(ctx, {
      action: 'notification_settings.updated',
      target: { type: 'membership', id: ctx.membershipId },
      before: before ?? { emailAlerts: true, digest: 'off' },
      after: input,
    });
    return input;
  });

/** Following a metric puts it in the caller's digest (metrics they own are in it anyway). */
export const follow = tenantProcedure
  .meta(requirePermission('metrics:read'))
  .input(z.object({ key: metricKeySchema, following: z.boolean({ error: 'following is true or false' }) }))
  .output(z.object({ following: z.boolean() }))
  .mutation(async ({ ctx, input }) => {
    const metric = await findMetric(ctx.db, ctx.tenant.id, input.key);
    const changed = input.following
      ? (
          await ctx.db
            .insertInto('metricFollows')
            .values({ tenantId: ctx.tenant.id, membershipId: ctx.membershipId, metricId: metric.id })
            .onConflict((oc) => oc.doNothing())
            .returning('id')
            .execute()
        ).length
      : Number(
          (
            await ctx.db
              .deleteFrom('metricFollows')
              .where('tenantId', '=', ctx.tenant.id)
              .where('membershipId', '=', ctx.membershipId)
              .where('metricId', '=', metric.id)
              .executeTakeFirst()
          ).numDeletedRows,
        );
    if (changed)
      await audit(ctx, {
        action: input.following ? 'metric.followed' : 'metric.unfollowed',
        target: { type: 'metric', id: metric.id, display: metric.key },
      });
    return { following: input.following };
  });
