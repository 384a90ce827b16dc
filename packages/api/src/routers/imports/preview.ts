import { z } from 'zod';
import { AppError } from '../../errors.ts';
import { loadMetrics, resolveMapping } from '../../imports/mapping.ts';
import { previewRows } from '../../imports/preview.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { findImport } from './query.ts';
import { mappingInput } from './schemas.ts';

/** The first rows of an uploaded file with a mapping applied, each with its problem if it has one. */
export const preview = tenantProcedure
  .meta(requirePermission('data:write'))
  .input(z.object(mappingInput))
  .output(
    z.object({
      rows: z.array(
        z.object({
          line: z.number(),
          cells: z.array(z.string()),
          metric: z.string().nullable(),
          ts: z.date().nullable(),
          value: z.number().nullable(),
          error: z.string().nullable(),
        }),
      ),
    }),
  )
  .query(async ({ ctx, input }) => {
    const imp = await findImport(ctx.db, ctx.tenant.id, input.id);
    if (imp.status !== 'uploaded')
      throw new AppError('CONFLICT', 'This import has already started: its file can no longer be previewed');
    const metrics = await loadMetrics(ctx.db, ctx.tenant.id);
    const resolved = resolveMapping(imp.header, input.mapping, metrics);
    return { rows: await previewRows(ctx.db, ctx.tenant.id, imp, resolved, metrics) };
  });
