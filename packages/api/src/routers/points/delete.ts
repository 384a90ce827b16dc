import { z } from 'zod';
import { sql } from '@mfiq/db';
import { audit } from '../../audit.ts';
import { AppError } from '../../errors.ts';
import { parseTimestamp } from '../../metrics/points.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { findMetric } from '../metrics/query.ts';
import { metricKeySchema } from '../metrics/schemas.ts';
import { MAX_POINTS_PER_BATCH, timestampSchema } from './schemas.ts';

/** Deletes points of a metric by timestamp; one audit event for the batch. */
export const remove = tenantProcedure
  .meta(requirePermission('data:write'))
  .input(
    z.object({
      key: metricKeySchema,
      ts: z
        .array(timestampSchema)
        .min(1, 'Choose at least one point')
        .max(MAX_POINTS_PER_BATCH, `At most ${MAX_POINTS_PER_BATCH} points at once`),
    }),
  )
  .output(z.object({ deleted: z.number() }))
  .mutation(async ({ ctx, input }) => {
    const metric = await findMetric(ctx.db, ctx.tenant.id, input.key);
    const stamps = input.ts.map((ts, i) => {
      const parsed = parseTimestamp(ts);
      if (!parsed.ok)
        throw new AppError('INVALID', `ts.${i}: ${parsed.message}`, { fieldErrors: { ts: [parsed.message] } });
      return new Date(parsed.ms).toISOString();
    });
    const result = await sql`
      delete from data_points where tenant_id = ${ctx.tenant.id} and metric_id = ${metric.id} and ts = any(${stamps}::timestamptz[])`.execute(
      ctx.db,
    );
    const deleted = Number(result.numAffectedRows ?? 0);
    if (deleted > 0) {
      await audit(ctx, {
        action: 'data.points_deleted',
        target: { type: 'metric', id: metric.id, display: metric.key },
        after: { source: 'manual', requested: stamps.length, deleted },
      });
    }
    return { deleted };
  });
