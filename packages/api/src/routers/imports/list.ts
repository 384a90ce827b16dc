import { z } from 'zod';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { selectImports, toOutput } from './query.ts';
import { importOutput } from './schemas.ts';

/** The organization's most recent imports, newest first. */
export const list = tenantProcedure
  .meta(requirePermission('data:write'))
  .input(
    z.object({
      limit: z
        .number()
        .int('limit must be a whole number')
        .min(1, 'limit is at least 1')
        .max(100, 'At most 100 imports per page')
        .default(20),
    }),
  )
  .output(z.array(importOutput))
  .query(async ({ ctx, input }) => {
    const rows = await selectImports(ctx.db, ctx.tenant.id).orderBy('createdAt', 'desc').limit(input.limit).execute();
    return rows.map(toOutput);
  });
