import { z } from 'zod';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { roleSchema } from './schemas.ts';

export const list = tenantProcedure
  .meta(requirePermission('members:read'))
  .output(
    z.array(
      z.object({
        membershipId: z.string(),
        userId: z.string(),
        email: z.string(),
        displayName: z.string(),
        role: roleSchema,
        joinedAt: z.date(),
        isYou: z.boolean(),
      }),
    ),
  )
  .query(async ({ ctx }) => {
    const rows = await ctx.db
      .selectFrom('memberships as m')
      .innerJoin('users as u', 'u.id', 'm.userId')
      .select(['m.id as membershipId', 'm.userId', 'u.email', 'u.displayName', 'm.role', 'm.createdAt as joinedAt'])
      .where('m.tenantId', '=', ctx.tenant.id)
      .orderBy('m.role')
      .orderBy('u.displayName')
      .execute();
    return rows.map((r) => ({ ...r, isYou: r.membershipId === ctx.membershipId }));
  });
