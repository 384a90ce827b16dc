import { audit, changedFields } from '../../audit.ts';
import { AppError } from '../../errors.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { checkFormula, checkOwner } from './check-formula.ts';
import { findMetric } from './query.ts';
import { metricOutput, updateMetricInput } from './schemas.ts';

/** Edits a definition; the key names the metric and never changes (API clients push by key). */
export const update = tenantProcedure
  .meta(requirePermission('metrics:write'))
  .input(updateMetricInput)
  .output(metricOutput)
  .mutation(async ({ ctx, input }) => {
    const before = await findMetric(ctx.db, ctx.tenant.id, input.key, { forUpdate: true });
    const formula = input.formula || null;
    if (formula && formula !== before.formula) await checkFormula(ctx.db, ctx.tenant.id, input.key, formula);
    if (Boolean(formula) !== Boolean(before.formula)) {
      const message = before.formula
        ? 'A formula metric stays a formula metric: give it a formula'
        : 'A metric that takes data cannot become a formula: create a new metric';
      throw new AppError('INVALID', message, { fieldErrors: { formula: [message] } });
    }
    await checkOwner(ctx.db, ctx.tenant.id, input.ownerMembershipId);
    const set = {
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
    await ctx.db
      .updateTable('metrics')
      .set({ ...set, updatedAt: new Date() })
      .where('tenantId', '=', ctx.tenant.id)
      .where('id', '=', before.id)
      .execute();
    const diff = changedFields(before as unknown as Record<string, unknown>, set);
    await audit(ctx, {
      action: 'metric.updated',
      target: { type: 'metric', id: before.id, display: before.key },
      before: diff.before,
      after: diff.after,
    });
    return findMetric(ctx.db, ctx.tenant.id, input.key);
  });
