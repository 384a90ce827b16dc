import { sql, type TenantDb } from '@mfiq/db';
import { z } from 'zod';
import { audit } from '../../audit.ts';
import { generateWebhookSecret } from '../../alerts/webhooks.ts';
import { checkUrl, EgressError } from '../../egress/policy.ts';
import { AppError, isUniqueViolation, notFound } from '../../errors.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { channelIdSchema, channelInput, channelOutput, MAX_CHANNELS } from './schemas.ts';

/**
 * Webhook channels. A URL is checked before it is saved (https outside development, no
 * credentials, no local names, no private literal addresses; the worker checks the resolved
 * address again before every send). URL and signing secret are sealed under the application key:
 * a Slack webhook URL is a credential too. The secret is shown once, on creation and rotation.
 */
export const channels = tenantProcedure
  .meta(requirePermission('alerts:manage'))
  .output(z.array(channelOutput))
  .query(async ({ ctx }) => {
    const rows = await ctx.db
      .selectFrom('alertChannels as c')
      .select([
        'c.id',
        'c.name',
        'c.urlDisplay',
        'c.format',
        'c.secretPrefix',
        'c.disabledAt',
        'c.createdAt',
        sql<number>`(select count(*)::int from alert_rule_recipients x where x.tenant_id = c.tenant_id and x.channel_id = c.id)`.as(
          'rules',
        ),
      ])
      .where('c.tenantId', '=', ctx.tenant.id)
      .orderBy('c.name')
      .execute();
    return rows.map(({ disabledAt, format, ...c }) => ({
      ...c,
      format: format as 'json' | 'slack',
      disabled: disabledAt !== null,
    }));
  });

/** "https://hooks.slack.com/…k3Xz": enough to recognise a URL, not enough to use it. */
function maskUrl(url: URL): string {
  const rest = `${url.pathname}${url.search}`;
  return rest.length > 1 ? `${url.origin}/…${rest.slice(-4)}` : url.origin;
}

function checkedUrl(raw: string, policy: Parameters<typeof checkUrl>[1]): URL {
  try {
    return checkUrl(raw, policy).url;
  } catch (error) {
    if (error instanceof EgressError)
      throw new AppError('INVALID', error.message, { fieldErrors: { url: [error.message] } });
    throw error;
  }
}

export const createChannel = tenantProcedure
  .meta(requirePermission('alerts:manage'))
  .input(channelInput)
  .output(z.object({ id: z.string(), secret: z.string() }))
  .mutation(async ({ ctx, input }) => {
    const url = checkedUrl(input.url, ctx.webhookPolicy);
    const { n } = await ctx.db
      .selectFrom('alertChannels')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('tenantId', '=', ctx.tenant.id)
      .executeTakeFirstOrThrow();
    if (n >= MAX_CHANNELS) throw new AppError('CONFLICT', `An organization has at most ${MAX_CHANNELS} channels`);
    const secret = generateWebhookSecret();
    const row = await ctx.db
      .insertInto('alertChannels')
      .values({
        tenantId: ctx.tenant.id,
        name: input.name,
        urlSealed: ctx.secretBox.seal(url.href),
        urlDisplay: maskUrl(url),
        format: input.format,
        secretSealed: ctx.secretBox.seal(secret),
        secretPrefix: secret.slice(0, 10),
        createdBy: ctx.user.id,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
      .catch((error: unknown) => {
        if (isUniqueViolation(error))
          throw new AppError('CONFLICT', 'A channel with this name exists', {
            fieldErrors: { name: ['Choose another name'] },
          });
        throw error;
      });
    await audit(ctx, {
      action: 'alert_channel.created',
      target: { type: 'alert_channel', id: row.id, display: input.name },
      after: { name: input.name, url: maskUrl(url), format: input.format },
    });
    return { id: row.id, secret };
  });

async function findChannel(ctx: { db: TenantDb; tenant: { id: string } }, id: string) {
  const channel = await ctx.db
    .selectFrom('alertChannels')
    .select(['id', 'name', 'disabledAt'])
    .where('tenantId', '=', ctx.tenant.id)
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
  if (!channel) throw notFound('No such channel');
  return channel;
}

/** A new signing secret (the old one stops working at once); shown once. */
export const rotateChannelSecret = tenantProcedure
  .meta(requirePermission('alerts:manage'))
  .input(z.object({ id: channelIdSchema }))
  .output(z.object({ secret: z.string() }))
  .mutation(async ({ ctx, input }) => {
    const channel = await findChannel(ctx, input.id);
    const secret = generateWebhookSecret();
    await ctx.db
      .updateTable('alertChannels')
      .set({ secretSealed: ctx.secretBox.seal(secret), secretPrefix: secret.slice(0, 10), updatedAt: new Date() })
      .where('tenantId', '=', ctx.tenant.id)
      .where('id', '=', channel.id)
      .execute();
    await audit(ctx, {
      action: 'alert_channel.secret_rotated',
      target: { type: 'alert_channel', id: channel.id, display: channel.name },
    });
    return { secret };
  });

export const setChannelDisabled = tenantProcedure
  .meta(requirePermission('alerts:manage'))
  .input(z.object({ id: channelIdSchema, disabled: z.boolean({ error: 'disabled is true or false' }) }))
  .output(z.object({ disabled: z.boolean() }))
  .mutation(async ({ ctx, input }) => {
    const channel = await findChannel(ctx, input.id);
    if (!!channel.disabledAt === input.disabled) return { disabled: input.disabled };
    await ctx.db
      .updateTable('alertChannels')
      .set({ disabledAt: input.disabled ? new Date() : null, updatedAt: new Date() })
      .where('tenantId', '=', ctx.tenant.id)
      .where('id', '=', channel.id)
      .execute();
    await audit(ctx, {
      action: input.disabled ? 'alert_channel.disabled' : 'alert_channel.enabled',
      target: { type: 'alert_channel', id: channel.id, display: channel.name },
    });
    return { disabled: input.disabled };
  });

/** Deletes a channel; rules stop sending to it (their other recipients stay) and its log goes with it. */
export const deleteChannel = tenantProcedure
  .meta(requirePermission('alerts:manage'))
  .input(z.object({ id: channelIdSchema }))
  .output(z.object({ deleted: z.literal(true) }))
  .mutation(async ({ ctx, input }) => {
    const channel = await findChannel(ctx, input.id);
    await ctx.db
      .deleteFrom('alertChannels')
      .where('tenantId', '=', ctx.tenant.id)
      .where('id', '=', channel.id)
      .execute();
    await audit(ctx, {
      action: 'alert_channel.deleted',
      target: { type: 'alert_channel', id: channel.id, display: channel.name },
    });
    return { deleted: true as const };
  });
