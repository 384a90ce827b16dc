import { z } from 'zod';
import { audit } from '../../audit.ts';
import { readHeader } from '../../imports/csv.ts';
import { claimUploadSlot, storageQuotaError, storedImportBytes } from '../../imports/quotas.ts';
import { storeUpload } from '../../imports/storage.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { fileNameSchema, fileStreamSchema } from './schemas.ts';

/**
 * Stores an uploaded CSV file (streamed into the tenant's import chunks, hashed and size-limited on
 * the way) and reads its header. Runs after the membership and permission checks, so nothing is
 * read from a caller who may not import. Over the limit, or not a CSV file: a 4xx and nothing kept.
 * The organization's quotas come first: a free upload slot (so one organization holds at most
 * that many connections streaming files) and room under its storage quota, counted as the file
 * arrives.
 */
export const upload = tenantProcedure
  .meta(requirePermission('data:write'))
  .input(z.object({ fileName: fileNameSchema, file: fileStreamSchema }))
  .output(z.object({ id: z.string(), alreadyImported: z.boolean() }))
  .mutation(async ({ ctx, input }) => {
    const quotas = ctx.limits.imports;
    await claimUploadSlot(ctx.db, ctx.tenant.id, quotas);
    const kept = await storedImportBytes(ctx.db, ctx.tenant.id);
    const room = quotas.storageBytes - kept;
    if (room <= 0) throw storageQuotaError(quotas, kept);
    let parsed: ReturnType<typeof readHeader> | undefined;
    const stored = await storeUpload(ctx.db, ctx.tenant.id, input.file, {
      maxBytes: ctx.limits.importMaxBytes,
      room: { bytes: room, refuse: () => storageQuotaError(quotas, kept) },
      checkHead: (head) => {
        parsed = readHeader(head);
      },
    });
    const { header, delimiter } = parsed ?? readHeader(stored.head);
    await ctx.db
      .insertInto('imports')
      .values({
        tenantId: ctx.tenant.id,
        id: stored.id,
        fileName: input.fileName,
        sizeBytes: stored.size,
        sha256: stored.sha256,
        header,
        delimiter,
        createdBy: ctx.user.id,
      })
      .execute();
    const earlier = await ctx.db
      .selectFrom('imports')
      .select('id')
      .where('tenantId', '=', ctx.tenant.id)
      .where('sha256', '=', stored.sha256)
      .where('status', '=', 'completed')
      .executeTakeFirst();
    await audit(ctx, {
      action: 'import.uploaded',
      target: { type: 'import', id: stored.id, display: input.fileName },
      after: { fileName: input.fileName, sizeBytes: stored.size, sha256: stored.sha256, columns: header.length },
    });
    return { id: stored.id, alreadyImported: Boolean(earlier) };
  });
