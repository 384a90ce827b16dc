import { sql } from '@mfiq/db';
import { audit, changedFields } from '../../audit.ts';
import { notFound } from '../../errors.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { selectTargets, toDef } from './query.ts';
import { targetOutput, updateTargetInput } from './schemas.ts';

export const update = tenantProcedure
  .meta(requirePermission('metrics:write'))
  .input(updateTargetInput)
  .output(targetOutput)
  .mutation(async ({ ctx, input }) => {
    const found = await selectTargets(ctx.db, ctx.tenant.id).where('id', '=', input.id).forUpdate().executeTakeFirst();
    if (!found) throw notFound('Target not found');
    const before = toDef(found);
    await ctx.db
      .updateTable('metricTargets')
      .set({
        kind: input.kind,
        grain: input.grain ?? null,
        value: input.value,
        startsOn: sql<Date>`${input.startsOn ?? null}::date`,
        endsOn: sql<Date>`${input.endsOn ?? null}::date`,
        updatedAt: new Date(),
      })
      .where('tenantId', '=', ctx.tenant.id)
      .where('id', '=', input.id)
      .execute();
    const after = toDef(
      await selectTargets(ctx.db, ctx.tenant.id).where('id', '=', input.id).executeTakeFirstOrThrow(),
    );
    const diff = changedFields(
      before as unknown as Record<string, unknown>,
      after as unknown as Record<string, unknown>,
    );
    await audit(ctx, {
      action: 'target.updated',
      target: { type: 'metric_target', id: input.id },
      before: diff.before,
      after: diff.after,
    });
    return after;
  });
