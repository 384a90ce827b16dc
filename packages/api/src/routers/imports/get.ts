import { z } from 'zod';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { findImport } from './query.ts';
import { importIdSchema, importOutput, rowErrorOutput } from './schemas.ts';

/**
 * One import with its progress, its first rejected rows, and earlier completed imports of the same
 * file (same SHA-256): importing it again with the same mapping changes nothing.
 */
export const get = tenantProcedure
  .meta(requirePermission('data:write'))
  .input(z.object({ id: importIdSchema }))
  .output(
    importOutput.extend({
      errors: z.array(rowErrorOutput),
      sameFile: z.array(
        z.object({ id: z.string(), fileName: z.string(), finishedAt: z.date().nullable(), rowsWritten: z.number() }),
      ),
    }),
  )
  .query(async ({ ctx, input }) => {
    const imp = await findImport(ctx.db, ctx.tenant.id, input.id);
    const errors = await ctx.db
      .selectFrom('importErrors')
      .select(['line', 'message'])
      .where('tenantId', '=', ctx.tenant.id)
      .where('importId', '=', imp.id)
      .orderBy('line')
      .limit(20)
      .execute();
    const sameFile = await ctx.db
      .selectFrom('imports')
      .select(['id', 'fileName', 'finishedAt', 'rowsWritten'])
      .where('tenantId', '=', ctx.tenant.id)
      .where('sha256', '=', imp.sha256)
      .where('id', '!=', imp.id)
      .where('status', '=', 'completed')
      .where('createdAt', '<', imp.createdAt)
      .orderBy('finishedAt', 'desc')
      .limit(5)
      .execute();
    return { ...imp, errors, sameFile };
  });
