import { z } from 'zod';
import { sql } from '@mfiq/db';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { selectMetrics } from './query.ts';
import { metricOutput } from './schemas.ts';

/** Metrics of the organization, searchable by key, name, description and tag. */
export const list = tenantProcedure
  .meta(requirePermission('metrics:read'))
  .input(
    z.object({
      search: z.string().trim().max(100, 'Search is at most 100 characters').optional(),
      tag: z.string().trim().toLowerCase().max(40, 'A tag is at most 40 characters').optional(),
      includeArchived: z.boolean().default(false),
      limit: z.number().int().min(1).max(1000, 'At most 1000 metrics per page').default(200),
    }),
  )
  .output(z.array(metricOutput))
  .query(async ({ ctx, input }) => {
    let q = selectMetrics(ctx.db, ctx.tenant.id).orderBy('m.name').orderBy('m.key').limit(input.limit);
    if (!input.includeArchived) q = q.where('m.archivedAt', 'is', null);
    if (input.tag) q = q.where(sql<boolean>`${input.tag} = any(m.tags)`);
    if (input.search) {
      // A literal substring match: %, _ and \ in the search are matched as themselves.
      const pattern = `%${input.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q = q.where((eb) =>
        eb.or([
          eb('m.key', 'ilike', pattern),
          eb('m.name', 'ilike', pattern),
          eb('m.description', 'ilike', pattern),
          eb(sql<string>`array_to_string(m.tags, ' ')`, 'ilike', pattern),
        ]),
      );
    }
    return q.execute();
  });
