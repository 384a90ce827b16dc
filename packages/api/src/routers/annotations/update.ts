import { sql } from '@mfiq/db';
import { audit, changedFields } from '../../audit.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { findAnnotation } from './query.ts';
import { annotationOutput, updateAnnotationInput } from './schemas.ts';

/** Corrects a note's date or text. */
export const update = tenantProcedure
  .meta(requirePermission('dashboards:write'))
  .input(updateAnnotationInput)
  .output(annotationOutput)
  .mutation(async ({ ctx, input }) => {
    const before = await findAnnotation(ctx.db, ctx.tenant.id, input.id);
    await ctx.db
      .updateTable('annotations')
      .set({ onDate: input.date === undefined ? undefined : sql<Date>`${input.date}::date`, body: input.body })
      .where('tenantId', '=', ctx.tenant.id)
      .where('id', '=', input.id)
      .execute();
    const after = await findAnnotation(ctx.db, ctx.tenant.id, input.id);
    const diff = changedFields({ date: before.date, body: before.body }, { date: after.date, body: after.body });
    if (Object.keys(diff.after).length) {
      await audit(ctx, {
        action: 'annotation.updated',
        target: { type: 'annotation', id: input.id, display: after.body.slice(0, 60) },
        before: diff.before,
        after: diff.after,
      });
    }
    return after;
  });
