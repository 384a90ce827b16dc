import { z } from 'zod';
import { sql } from '@mfiq/db';
import { zonedMidnight } from '../../metrics/zoned.ts';
import { addDays } from '../../metrics/periods.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { orgCalendar } from '../metrics/calendar.ts';
import { findMetric } from '../metrics/query.ts';
import { localDateSchema, metricKeySchema } from '../metrics/schemas.ts';

/** Raw points of a metric, newest first, with each point's local date (for the entry grid). */
export const list = tenantProcedure
  .meta(requirePermission('metrics:read'))
  .input(
    z.object({
      key: metricKeySchema,
      from: localDateSchema.optional(),
      to: localDateSchema.optional(),
      limit: z.number().int().min(1).max(1000, 'At most 1000 points per page').default(200),
    }),
  )
  .output(z.array(z.object({ ts: z.date(), date: z.string(), value: z.number() })))
  .query(async ({ ctx, input }) => {
    const metric = await findMetric(ctx.db, ctx.tenant.id, input.key);
    const { timezone } = await orgCalendar(ctx.db, ctx.tenant.id);
    let q = ctx.db
      .selectFrom('dataPoints')
      .select(['ts', 'value', sql<string>`(ts at time zone ${timezone})::date::text`.as('date')])
      .where('tenantId', '=', ctx.tenant.id)
      .where('metricId', '=', metric.id)
      .orderBy('ts', 'desc')
      .limit(input.limit);
    if (input.from) q = q.where('ts', '>=', zonedMidnight(input.from, timezone));
    if (input.to) q = q.where('ts', '<', zonedMidnight(addDays(input.to, 1), timezone));
    return q.execute();
  });
