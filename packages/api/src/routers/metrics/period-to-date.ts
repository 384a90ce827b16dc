import { z } from 'zod';
import { localDate } from '../../metrics/periods.ts';
import { periodToDate as compute } from '../../metrics/series.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { orgCalendar } from './calendar.ts';
import { findMetric } from './query.ts';
import { grainSchema, localDateSchema, metricKeySchema } from './schemas.ts';

const range = z.object({
  from: z.string(),
  to: z.string(),
  value: z.number().nullable(),
  change: z.number().nullable(),
});

/**
 * The current period so far (through `asOf`, today in the organization's timezone by default)
 * against the same elapsed days of the previous period and of the same period a year ago.
 */
export const periodToDate = tenantProcedure
  .meta(requirePermission('metrics:read'))
  .input(z.object({ key: metricKeySchema, grain: grainSchema.optional(), asOf: localDateSchema.optional() }))
  .output(
    z.object({
      period: z.object({ start: z.string(), end: z.string() }),
      asOf: z.string(),
      elapsedDays: z.number(),
      totalDays: z.number(),
      value: z.number().nullable(),
      previous: range,
      yearAgo: range,
    }),
  )
  .query(async ({ ctx, input }) => {
    const metric = await findMetric(ctx.db, ctx.tenant.id, input.key);
    const cal = await orgCalendar(ctx.db, ctx.tenant.id);
    return compute(
      ctx.db,
      cal,
      metric,
      input.grain ?? metric.defaultGrain,
      input.asOf ?? localDate(new Date(), cal.timezone),
    );
  });
