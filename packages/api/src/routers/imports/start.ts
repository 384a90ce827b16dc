import { z } from 'zod';
import { sql, type Json } from '@mfiq/db';
import { audit } from '../../audit.ts';
import { AppError } from '../../errors.ts';
import { CSV_IMPORT_TASK, IMPORT_MAX_ATTEMPTS } from '../../imports/limits.ts';
import { loadMetrics, resolveMapping } from '../../imports/mapping.ts';
import { checkQueueRoom } from '../../imports/quotas.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { findImport } from './query.ts';
import { mappingInput } from './schemas.ts';

/**
 * Saves the mapping and queues the import for the worker, in the same transaction: the job exists
 * only if the import is queued. One queue per organization keeps its imports in order, one at a
 * time; the job key stops a double submit from queueing the same import twice.
 */
export const start = tenantProcedure
  .meta(requirePermission('data:write'))
  .input(z.object(mappingInput))
  .output(z.object({ id: z.string(), status: z.literal('queued') }))
  .mutation(async ({ ctx, input }) => {
    const imp = await findImport(ctx.db, ctx.tenant.id, input.id);
    if (imp.status !== 'uploaded')
      throw new AppError(
        'CONFLICT',
        `This import was already started (it is ${imp.status}); upload the file again to import it again`,
      );
    resolveMapping(imp.header, input.mapping, await loadMetrics(ctx.db, ctx.tenant.id));
    await checkQueueRoom(ctx.db, ctx.tenant.id, ctx.limits.imports);
    const updated = await ctx.db
      .updateTable('imports')
      .set({
        mapping: input.mapping as unknown as Json,
        status: 'queued',
        queuedAt: new Date(),
        startedBy: ctx.user.id,
      })
      .where('tenantId', '=', ctx.tenant.id)
      .where('id', '=', imp.id)
      .where('status', '=', 'uploaded')
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) throw new AppError('CONFLICT', 'This import was already started');
    await sql`select graphile_worker.add_job(
        ${CSV_IMPORT_TASK},
        json_build_object('tenantId', ${ctx.tenant.id}::text, 'importId', ${imp.id}::text),
        queue_name => ${`imports:${ctx.tenant.id}`},
        max_attempts => ${IMPORT_MAX_ATTEMPTS},
        job_key => ${`csv_import:${imp.id}`})`.execute(ctx.db);
    await audit(ctx, {
      action: 'import.queued',
      target: { type: 'import', id: imp.id, display: imp.fileName },
      // Spelled out: the audit redaction treats any field named like "key" as a secret.
      after: {
        fileName: imp.fileName,
        metricColumn: input.mapping.metricColumn ?? null,
        fixedMetric: input.mapping.metricKey ?? null,
        timestampColumn: input.mapping.timestampColumn ?? null,
        timestampFormat: input.mapping.timestampFormat,
        timezone: input.mapping.timezone ?? null,
        valueColumn: input.mapping.valueColumn ?? null,
      },
    });
    return { id: imp.id, status: 'queued' as const };
  });
