import { sql } from '@mfiq/db';
import { z } from 'zod';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { annotationTarget, selectAnnotations } from './query.ts';
import { annotationOutput, listAnnotationsInput, MAX_ANNOTATIONS_PER_TARGET } from './schemas.ts';

/** The notes on one metric or dashboard, newest date first, optionally within dates. */
export const list = tenantProcedure
  .meta(requirePermission('dashboards:read'))
  .input(listAnnotationsInput)
  .output(z.array(annotationOutput))
  .query(async ({ ctx, input }) => {
    const target = await annotationTarget(ctx.db, ctx.tenant.id, input);
    let q = selectAnnotations(ctx.db, ctx.tenant.id).limit(MAX_ANNOTATIONS_PER_TARGET);
    q = target.metricId
      ? q.where('a.metricId', '=', target.metricId)
      : q.where('a.dashboardId', '=', target.dashboardId);
    if (input.from) q = q.where('a.onDate', '>=', sql<Date>`${input.from}::date`);
    if (input.to) q = q.where('a.onDate', '<=', sql<Date>`${input.to}::date`);
    return q.execute();
  });
