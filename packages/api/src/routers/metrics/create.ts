import { audit } from '../../audit.ts';
import { AppError } from '../../errors.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { checkFormula, checkOwner } from './check-formula.ts';
import { findMetric } from './query.ts';
import { createMetricInput, metricOutput } from './schemas.ts';

export const create = tenantProcedure
  .meta(requirePermission('metrics:write'))
  .input(createMetricInput)
  .output(metricOutput)
  .mutation(async ({ ctx, input }) => {
    const formula = input.formula || null;
    if (formula) await checkFormula(ctx.db, ctx.tenant.id, input.key, formula);
    await checkOwner(ctx.db, ctx.tenant.id, input.ownerMembershipId);
    const values = {
      tenantId: ctx.tenant.id,
      key: input.key,
      name: input.name,
      description: input.description,
      unit: input.unit,
      currency: input.currency ?? null,
      aggregation: input.aggregation,
      direction: input.direction,
      defaultGrain: input.defaultGrain,
      ownerMembershipId: input.ownerMembershipId ?? null,
      tags: [...new Set(input.tags)],
      formula,
    };
    // ON CONFLICT DO NOTHING keeps the transaction usable, so a taken key is a clear CONFLICT.
    const created = await ctx.db
      .insertInto('metrics')
      .values(values)
      .onConflict((oc) => oc.columns(['tenantId', 'key']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!created)
      throw new AppError('CONFLICT', `A metric with key "${input.key}" already exists`, {
        fieldErrors: { key: ['This key is taken'] },
      });
    const { tenantId: _t, ...after } = values;
    await audit(ctx, {
      action: 'metric.created',
      target: { type: 'metric', id: created.id, display: input.key },
      after,
    });
    return findMetric(ctx.db, ctx.tenant.id, input.key);
  });
