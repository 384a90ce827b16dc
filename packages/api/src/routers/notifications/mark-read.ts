import { z } from 'zod';
import { audit } from '../../audit.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { notificationIdSchema } from './schemas.ts';

/** Marks the caller's own inbox items read: some by id, or all of them. Others' inboxes are untouched. */
export const markRead = tenantProcedure
  .meta(requirePermission('metrics:read'))
  .input(
    z.union(
      [
        z.object({
          ids: z.array(notificationIdSchema).min(1, 'Give at least one notification').max(100, 'At most 100 at once'),
        }),
        z.object({ all: z.literal(true, { error: 'all can only be true' }) }),
      ],
      { error: 'Give the notifications to mark read (ids) or all: true' },
    ),
  )
  .output(z.object({ marked: z.number() }))
  .mutation(async ({ ctx, input }) => {
    let q = ctx.db
      .updateTable('notifications')
      .set({ readAt: new Date() })
      .where('tenantId', '=', ctx.tenant.id)
      .where('membershipId', '=', ctx.membershipId)
      .where('readAt', 'is', null);
    if ('ids' in input) q = q.where('id', 'in', input.ids);
    const marked = Number((await q.executeTakeFirst()).numUpdatedRows);
    if (marked)
      await audit(ctx, {
        action: 'notifications.read',
        target: { type: 'membership', id: ctx.membershipId },
        after: { marked, all: 'all' in input },
      });
    return { marked };
  });
