import { sql } from '@mfiq/db';
import { audit } from '../../audit.ts';
import { AppError } from '../../errors.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { annotationTarget, findAnnotation } from './query.ts';
import { annotationOutput, createAnnotationInput, MAX_ANNOTATIONS_PER_TARGET } from './schemas.ts';

/** A dated note on a metric or a dashboard, shown as a marker on the charts that cover its date. */
export const create = tenantProcedure
  .meta(requirePermission('dashboards:write'))
  .input(createAnnotationInput)
  .output(annotationOutput)
  .mutation(async ({ ctx, input }) => {
    const target = await annotationTarget(ctx.db, ctx.tenant.id, input);
    // Serializes concurrent notes on one target so the cap holds.
    await sql`select pg_advisory_xact_lock(hashtextextended(${`annotations:${target.id}`}, 0))`.execute(ctx.db);
    const { n } = await ctx.db
      .selectFrom('annotations')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('tenantId', '=', ctx.tenant.id)
      .where(target.metricId ? 'metricId' : 'dashboardId', '=', target.id)
      .executeTakeFirstOrThrow();
    if (n >= MAX_ANNOTATIONS_PER_TARGET)
      throw new AppError(
        'CONFLICT',
        `A ${target.type} has at most ${MAX_ANNOTATIONS_PER_TARGET} notes: delete old ones first`,
      );
    const row = await ctx.db
      .insertInto('annotations')
      .values({
        tenantId: ctx.tenant.id,
        metricId: target.metricId,
        dashboardId: target.dashboardId,
        onDate: sql<Date>`${input.date}::date`,
        body: input.body,
        createdBy: ctx.user.id,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await audit(ctx, {
      action: 'annotation.created',
      target: { type: target.type, id: target.id, display: target.display },
      after: { annotationId: row.id, date: input.date, body: input.body },
    });
    return findAnnotation(ctx.db, ctx.tenant.id, row.id);
  });
