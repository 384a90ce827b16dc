import { z } from 'zod';
import { AppError } from '../../errors.ts';
import { buildSeries } from '../../metrics/series.ts';
import { daysBetween } from '../../metrics/periods.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { orgCalendar } from './calendar.ts';
import { findMetric } from './query.ts';
import { grainSchema, localDateSchema, metricKeySchema } from './schemas.ts';

const MAX_SERIES_DAYS = 3700;

export const seriesInput = z.object({
  key: metricKeySchema,
  grain: grainSchema.optional(),
  from: localDateSchema,
  to: localDateSchema,
});

export const seriesPointOutput = z.object({
  start: z.string(),
  end: z.string(),
  value: z.number().nullable(),
  previous: z.number().nullable(),
  yearAgo: z.number().nullable(),
});

export function checkRange(from: string, to: string) {
  if (to < from)
    throw new AppError('INVALID', '"to" must not be before "from"', {
      fieldErrors: { to: ['Must not be before "from"'] },
    });
  if (daysBetween(from, to) > MAX_SERIES_DAYS)
    throw new AppError('INVALID', `A series spans at most ${MAX_SERIES_DAYS} days`, {
      fieldErrors: { to: ['Range too long'] },
    });
}

/**
 * A metric by day, week, month or quarter in the organization's timezone and week start, each
 * period with the previous period and the same period a year ago.
 */
export const series = tenantProcedure
  .meta(requirePermission('metrics:read'))
  .input(seriesInput)
  .output(
    z.object({
      key: z.string(),
      grain: grainSchema,
      timezone: z.string(),
      weekStart: z.number(),
      points: z.array(seriesPointOutput),
    }),
  )
  .query(async ({ ctx, input }) => {
    checkRange(input.from, input.to);
    const metric = await findMetric(ctx.db, ctx.tenant.id, input.key);
    const cal = await orgCalendar(ctx.db, ctx.tenant.id);
    const grain = input.grain ?? metric.defaultGrain;
    const points = await buildSeries(ctx.db, cal, metric, grain, input.from, input.to);
    return { key: metric.key, grain, timezone: cal.timezone, weekStart: cal.weekStart, points };
  });
