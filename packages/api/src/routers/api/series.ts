import { z } from 'zod';
import { buildSeries } from '../../metrics/series.ts';
import { apiKeyProcedure, requireScope } from '../../trpc.ts';
import { orgCalendar } from '../metrics/calendar.ts';
import { findMetric } from '../metrics/query.ts';
import { checkRange, seriesInput, seriesPointOutput } from '../metrics/series.ts';
import { grainSchema } from '../metrics/schemas.ts';

export const apiSeriesOutput = z.object({
  key: z.string(),
  grain: grainSchema,
  timezone: z.string(),
  weekStart: z.number(),
  points: z.array(seriesPointOutput),
});

/** A metric's series for outside clients: the same computation as the dashboards. */
export const series = apiKeyProcedure
  .meta(requireScope('metrics:read'))
  .input(seriesInput)
  .output(apiSeriesOutput)
  .query(async ({ ctx, input }) => {
    checkRange(input.from, input.to);
    const metric = await findMetric(ctx.db, ctx.tenant.id, input.key);
    const cal = await orgCalendar(ctx.db, ctx.tenant.id);
    const grain = input.grain ?? metric.defaultGrain;
    return {
      key: metric.key,
      grain,
      timezone: cal.timezone,
      weekStart: cal.weekStart,
      points: await buildSeries(ctx.db, cal, metric, grain, input.from, input.to),
    };
  });
