import { z } from 'zod';
import { audit } from '../../audit.ts';
import { notFound } from '../../errors.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { selectTargets, toDef } from './query.ts';
import { targetIdSchema } from './schemas.ts';

export const remove = tenantProcedure
  .meta(requirePermission('metrics:write'))
  .input(z.object({ id: targetIdSchema }))
  .output(z.object({ deleted: z.literal(true) }))
  .mutation(async ({ ctx, input }) => {
    const found = await selectTargets(ctx.db, ctx.tenant.id).where('id', '=', input.id).forUpdate().executeTakeFirst();
    if (!found) throw notFound('Target not found');
    await ctx.db.deleteFrom('metricTargets').where('tenantId', '=', ctx.tenant.id).where('id', '=', input.id).execute();
    await audit(ctx, {
      action: 'target.deleted',
      target: { type: 'metric_target', id: input.id },
      before: { ...toDef(found) },
    });
    return { deleted: true as const };
  });
