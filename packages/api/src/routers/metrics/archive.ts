import { z } from 'zod';
import { audit } from '../../audit.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { findMetric } from './query.ts';
import { metricKeySchema, metricOutput } from './schemas.ts';

/** Archives (hides, refuses new data, keeps history) or restores a metric. */
export const setArchived = tenantProcedure
  .meta(requirePermission('metrics:write'))
  .input(z.object({ key: metricKeySchema, archived: z.boolean({ error: 'archived must be true or false' }) }))
  .output(metricOutput)
  .mutation(async ({ ctx, input }) => {
    const before = await findMetric(ctx.db, ctx.tenant.id, input.key, { forUpdate: true });
    if (before.archived !== input.archived) {
      await ctx.db
        .updateTable('metrics')
        .set({ archivedAt: input.archived ? new Date() : null, updatedAt: new Date() })
        .where('tenantId', '=', ctx.tenant.id)
        .where('id', '=', before.id)
        .execute();
      await audit(ctx, {
        action: input.archived ? 'metric.archived' : 'metric.restored',
        target: { type: 'metric', id: before.id, display: before.key },
        before: { archived: before.archived },
        after: { archived: input.archived },
      });
    }
    return findMetric(ctx.db, ctx.tenant.id, input.key);
  });
