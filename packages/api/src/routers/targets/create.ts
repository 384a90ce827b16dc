import { sql } from '@mfiq/db';
import { audit } from '../../audit.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { findMetric } from '../metrics/query.ts';
import { selectTargets, toDef } from './query.ts';
import { createTargetInput, targetOutput } from './schemas.ts';

export const create = tenantProcedure
  .meta(requirePermission('metrics:write'))
  .input(createTargetInput)
  .output(targetOutput)
  .mutation(async ({ ctx, input }) => {
    const metric = await findMetric(ctx.db, ctx.tenant.id, input.key);
    const row = await ctx.db
      .insertInto('metricTargets')
      .values({
        tenantId: ctx.tenant.id,
        metricId: metric.id,
        kind: input.kind,
        grain: input.grain ?? null,
        value: input.value,
        startsOn: sql<Date>`${input.startsOn ?? null}::date`,
        endsOn: sql<Date>`${input.endsOn ?? null}::date`,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const target = toDef(await selectTargets(ctx.db, ctx.tenant.id).where('id', '=', row.id).executeTakeFirstOrThrow());
    await audit(ctx, {
      action: 'target.created',
      target: { type: 'metric_target', id: row.id, display: metric.key },
      after: { metric: metric.key, ...target },
    });
    return target;
  });
