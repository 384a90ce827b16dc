import { z } from 'zod';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { findMetric } from './query.ts';
import { metricKeySchema, metricOutput } from './schemas.ts';

export const get = tenantProcedure
  .meta(requirePermission('metrics:read'))
  .input(z.object({ key: metricKeySchema }))
  .output(metricOutput)
  .query(({ ctx, input }) => findMetric(ctx.db, ctx.tenant.id, input.key));
