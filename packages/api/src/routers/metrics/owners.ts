import { z } from 'zod';
import { requirePermission, tenantProcedure } from '../../trpc.ts';

/** Members who can own a metric, for the owner picker. */
export const owners = tenantProcedure
  .meta(requirePermission('metrics:read'))
  .output(z.array(z.object({ membershipId: z.string(), displayName: z.string() })))
  .query(({ ctx }) =>
    ctx.db
      .selectFrom('memberships as ms')
      .innerJoin('users as u', 'u.id', 'ms.userId')
      .select(['ms.id as membershipId', 'u.displayName'])
      .where('ms.tenantId', '=', ctx.tenant.id)
      .orderBy('u.displayName')
      .execute(),
  );
