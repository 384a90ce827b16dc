import { z } from 'zod';
import { authedProcedure } from '../../trpc.ts';

/**
 * The bell: unread alerts per organization of the signed-in user (locked organizations left out),
 * through one SECURITY DEFINER function that answers counts for the caller's own memberships only.
 */
export const unreadCounts = authedProcedure
  .output(
    z.object({
      total: z.number(),
      organizations: z.array(z.object({ slug: z.string(), name: z.string(), unread: z.number() })),
    }),
  )
  .query(async ({ ctx }) => {
    const organizations = await ctx.platform.unreadNotifications(ctx.user.id);
    return { total: organizations.reduce((n, o) => n + o.unread, 0), organizations };
  });
