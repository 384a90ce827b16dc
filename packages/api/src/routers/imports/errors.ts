import { z } from 'zod';
import { MAX_STORED_ERRORS } from '../../imports/limits.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { findImport } from './query.ts';
import { importIdSchema, rowErrorOutput } from './schemas.ts';

/** Every stored rejected row of an import (up to MAX_STORED_ERRORS), for the CSV download. */
export const errors = tenantProcedure
  .meta(requirePermission('data:write'))
  .input(z.object({ id: importIdSchema }))
  .output(z.object({ fileName: z.string(), rowsFailed: z.number(), rows: z.array(rowErrorOutput) }))
  .query(async ({ ctx, input }) => {
    const imp = await findImport(ctx.db, ctx.tenant.id, input.id);
    const rows = await ctx.db
      .selectFrom('importErrors')
      .select(['line', 'message'])
      .where('tenantId', '=', ctx.tenant.id)
      .where('importId', '=', imp.id)
      .orderBy('line')
      .limit(MAX_STORED_ERRORS)
      .execute();
    return { fileName: imp.fileName, rowsFailed: imp.rowsFailed, rows };
  });
