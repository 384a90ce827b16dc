import { z } from 'zod';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { selectEvents, toEvent } from '../alerts/events.ts';
import { inboxItemOutput } from './schemas.ts';

const PAGE = 50;

/** The caller's inbox in this organization, newest first, a page at a time (cursor: the last item's id). */
export const list = tenantProcedure
  .meta(requirePermission('metrics:read'))
  .input(
    z.object({
      unreadOnly: z.boolean().default(false),
      before: z.uuid('The cursor is a notification id').optional(),
    }),
  )
  .output(z.object({ items: z.array(inboxItemOutput), unread: z.number(), next: z.string().nullable() }))
  .query(async ({ ctx, input }) => {
    let q = ctx.db
      .selectFrom('notifications as n')
      .select(['n.id', 'n.eventId', 'n.createdAt', 'n.readAt'])
      .where('n.tenantId', '=', ctx.tenant.id)
      .where('n.membershipId', '=', ctx.membershipId);
    if (input.unreadOnly) q = q.where('n.readAt', 'is', null);
    if (input.before) {
      const cursor = await ctx.db
        .selectFrom('notifications')
        .select(['createdAt', 'id'])
        .where('tenantId', '=', ctx.tenant.id)
        .where('membershipId', '=', ctx.membershipId)
        .where('id', '=', input.before)
        .executeTakeFirst();
      if (cursor)
        q = q.where((eb) =>
          eb.or([
            eb('n.createdAt', '<', cursor.createdAt),
            eb.and([eb('n.createdAt', '=', cursor.createdAt), eb('n.id', '<', cursor.id)]),
          ]),
        );
    }
    const rows = await q
      .orderBy('n.createdAt', 'desc')
      .orderBy('n.id', 'desc')
      .limit(PAGE + 1)
      .execute();
    const page = rows.slice(0, PAGE);
    const events = page.length
      ? (
          await selectEvents(ctx.db, ctx.tenant.id)
            .where(
              'e.id',
              'in',
              page.map((r) => r.eventId),
            )
            .execute()
        ).map(toEvent)
      : [];
    const byId = new Map(events.map((e) => [e.id, e]));
    const ruleIds = [...new Set(events.map((e) => e.ruleId))];
    const mutes = ruleIds.length
      ? await ctx.db
          .selectFrom('alertMutes')
          .select(['ruleId', 'until'])
          .where('tenantId', '=', ctx.tenant.id)
          .where('membershipId', '=', ctx.membershipId)
          .where('ruleId', 'in', ruleIds)
          .execute()
      : [];
    const now = new Date();
    const muteOf = new Map(
      mutes.filter((m) => m.until === null || m.until > now).map((m) => [m.ruleId, { until: m.until }]),
    );
    const { unread } = await ctx.db
      .selectFrom('notifications')
      .select((eb) => eb.fn.countAll<number>().as('unread'))
      .where('tenantId', '=', ctx.tenant.id)
      .where('membershipId', '=', ctx.membershipId)
      .where('readAt', 'is', null)
      .executeTakeFirstOrThrow();
    return {
      items: page.map((r) => {
        const event = byId.get(r.eventId)!;
        return { id: r.id, createdAt: r.createdAt, readAt: r.readAt, event, myMute: muteOf.get(event.ruleId) ?? null };
      }),
      unread: Number(unread),
      next: rows.length > PAGE ? page[page.length - 1]!.id : null,
    };
  });
