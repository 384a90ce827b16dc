import { z } from 'zod';
import { audit } from '../../audit.ts';
import { writePoints } from '../../metrics/points.ts';
import { zonedMidnight } from '../../metrics/zoned.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { orgCalendar } from '../metrics/calendar.ts';
import { findMetric } from '../metrics/query.ts';
import { localDateSchema, metricKeySchema } from '../metrics/schemas.ts';
import { MAX_POINTS_PER_BATCH, timestampSchema, valueSchema, writeResultOutput } from './schemas.ts';

/**
 * Manual entry (the metric page's grid): values for one metric, each at a timestamp or at a local
 * date (midnight in the organization's timezone). Same writer and rules as the push API.
 */
export const upsert = tenantProcedure
  .meta(requirePermission('data:write'))
  .input(
    z.object({
      key: metricKeySchema,
      points: z
        .array(
          z
            .object({ date: localDateSchema.optional(), ts: timestampSchema.optional(), value: valueSchema })
            .refine((p) => (p.date === undefined) !== (p.ts === undefined), 'Give each point either a date or a ts'),
        )
        .min(1, 'Enter at least one value')
        .max(MAX_POINTS_PER_BATCH, `At most ${MAX_POINTS_PER_BATCH} points at once`),
    }),
  )
  .output(writeResultOutput)
  .mutation(async ({ ctx, input }) => {
    const metric = await findMetric(ctx.db, ctx.tenant.id, input.key);
    const { timezone } = await orgCalendar(ctx.db, ctx.tenant.id);
    const points = input.points.map((p) => ({
      metric: metric.key,
      value: p.value,
      ts: p.date !== undefined ? zonedMidnight(p.date, timezone).toISOString() : p.ts!,
    }));
    const { metricKeys: _k, ...result } = await writePoints(ctx.db, ctx.tenant.id, points);
    if (result.written > 0) {
      await audit(ctx, {
        action: 'data.points_written',
        target: { type: 'metric', id: metric.id, display: metric.key },
        after: { source: 'manual', received: result.received, written: result.written, rejected: result.rejected },
      });
    }
    return result;
  });
