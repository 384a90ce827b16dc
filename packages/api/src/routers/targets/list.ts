import { z } from 'zod';
import { localDate } from '../../metrics/periods.ts';
import { targetProgress } from '../../metrics/targets.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { orgCalendar } from '../metrics/calendar.ts';
import { findMetric } from '../metrics/query.ts';
import { localDateSchema, metricKeySchema } from '../metrics/schemas.ts';
import { selectTargets, toDef } from './query.ts';
import { targetOutput } from './schemas.ts';

const progressOutput = z.object({
  period: z.object({ start: z.string(), end: z.string() }),
  complete: z.boolean(),
  elapsedDays: z.number(),
  totalDays: z.number(),
  actual: z.number().nullable(),
  target: z.number(),
  attainment: z.number().nullable(),
  forecast: z.number().nullable(),
  forecastAttainment: z.number().nullable(),
  status: z.enum(['on_track', 'at_risk', 'off_track', 'no_data']),
});

/** A metric's targets, each with its progress on `asOf` (today in the organization's timezone by default). */
export const list = tenantProcedure
  .meta(requirePermission('metrics:read'))
  .input(z.object({ key: metricKeySchema, asOf: localDateSchema.optional() }))
  .output(
    z.object({ asOf: z.string(), targets: z.array(targetOutput.extend({ progress: progressOutput.nullable() })) }),
  )
  .query(async ({ ctx, input }) => {
    const metric = await findMetric(ctx.db, ctx.tenant.id, input.key);
    const cal = await orgCalendar(ctx.db, ctx.tenant.id);
    const asOf = input.asOf ?? localDate(new Date(), cal.timezone);
    const targets = (await selectTargets(ctx.db, ctx.tenant.id).where('metricId', '=', metric.id).execute()).map(toDef);
    const progress = await targetProgress(ctx.db, cal, metric, targets, asOf);
    return {
      asOf,
      targets: targets.map((t) => ({ ...t, progress: progress.find((p) => p.targetId === t.id) ?? null })),
    };
  });
