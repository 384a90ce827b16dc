import { z } from 'zod';
import { audit } from '../../audit.ts';
import { readHeader } from '../../imports/csv.ts';
import { storeUpload } from '../../imports/storage.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { fileNameSchema, fileStreamSchema } from './schemas.ts';

/**
 * Stores an uploaded CSV file (streamed into the tenant's import chunks, hashed and size-limited on
 * the way) and reads its header. Runs after the membership and permission checks, so nothing is
 * read from a caller who may not import. Over the limit, or not a CSV file: a 4xx and nothing kept.
 */
export const upload = tenantProcedure
  .meta(requirePermission('data:write'))
  .input(z.object({ fileName: fileNameSchema, file: fileStreamSchema }))
  .output(z.object({ id: z.string(), alreadyImported: z.boolean() }))
  .mutation(async ({ ctx, input }) => {
    let parsed: ReturnType<typeof readHeader> | undefined;
    const stored = await storeUpload(ctx.db, ctx.tenant.id, input.file, {
      maxBytes: ctx.limits.importMaxBytes,
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
