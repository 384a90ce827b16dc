import { z } from 'zod';
import { apiKeyProcedure, requireScope } from '../../trpc.ts';
import { selectMetrics } from '../metrics/query.ts';
import { AGGREGATIONS, DIRECTIONS, grainSchema, UNITS } from '../metrics/schemas.ts';

export const apiMetricOutput = z.object({
  key: z.string(),
  name: z.string(),
  description: z.string(),
  unit: z.enum(UNITS),
  currency: z.string().nullable(),
  aggregation: z.enum(AGGREGATIONS),
  direction: z.enum(DIRECTIONS),
  defaultGrain: grainSchema,
  tags: z.array(z.string()),
  formula: z.string().nullable(),
});

/** The organization's active metric definitions, for clients that need to know what to push. */
export const metrics = apiKeyProcedure
  .meta(requireScope('metrics:read'))
  .output(z.array(apiMetricOutput))
  .query(({ ctx }) =>
    selectMetrics(ctx.db, ctx.tenant.id)
      .where('m.archivedAt', 'is', null)
      .orderBy('m.key')
      .limit(1000)
      .execute()
      .then((rows) =>
        rows.map(({ key, name, description, unit, currency, aggregation, direction, defaultGrain, tags, formula }) => ({
          key,
          name,
          description,
          unit,
          currency,
          aggregation,
          direction,
          defaultGrain,
          tags,
          formula,
        })),
      ),
  );
