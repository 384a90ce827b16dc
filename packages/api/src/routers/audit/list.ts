import { z } from 'zod';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { auditPage } from './query.ts';
import { auditEventOutput, listInput } from './schemas.ts';

/** The audit log of the caller's organization: filtered, newest first, a page at a time. */
export const list = tenantProcedure
  .meta(requirePermission('audit:read'))
  .input(listInput)
  .output(z.object({ events: z.array(auditEventOutput), nextCursor: z.string().nullable() }))
  .query(async ({ ctx, input }) => {
    const before = input.cursor ? decodeCursor(input.cursor) : undefined;
    // One more than asked tells whether there is a next page without a count.
    const rows = await auditPage(ctx.db, ctx.tenant.id, input, { before, limit: input.limit + 1 });
    const events = rows.slice(0, input.limit);
    const last = events[events.length - 1];
    return { events, nextCursor: rows.length > input.limit && last ? encodeCursor(last.sequence) : null };
  });
