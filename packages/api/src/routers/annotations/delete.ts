import { z } from 'zod';
import { audit } from '../../audit.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { findAnnotation } from './query.ts';
import { annotationIdSchema } from './schemas.ts';

export const remove = tenantProcedure
  .meta(requirePermission('dashboards:write'))
  .input(z.object({ id: annotationIdSchema }))
  .output(z.object({ deleted: z.literal(true) }))
  .mutation(async ({ ctx, input }) => {
    const before = await findAnnotation(ctx.db, ctx.tenant.id, input.id);
    await ctx.db.deleteFrom('annotations').where('tenantId', '=', ctx.tenant.id).where('id', '=', input.id).execute();
    await audit(ctx, {
      action: 'annotation.deleted',
      target: { type: 'annotation', id: input.id, display: before.body.slice(0, 60) },
      before: { date: before.date, body: before.body, metric: before.metricKey, dashboardId: before.dashboardId },
    });
    return { deleted: true as const };
  });
