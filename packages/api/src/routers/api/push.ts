import { createHash } from 'node:crypto';
import type { Json } from '@mfiq/db';
import { audit } from '../../audit.ts';
import { AppError } from '../../errors.ts';
import { writePoints, type WriteResult } from '../../metrics/points.ts';
import { apiKeyProcedure, requireScope } from '../../trpc.ts';
import { pushInput, pushOutput } from './schemas.ts';

/**
 * Pushes a batch of up to 1,000 points. Bad points are reported one by one and the rest are
 * written; with an idempotency key, a retry of the same batch returns the first result and writes
 * nothing. The key's row is inserted first, so a concurrent retry waits for the first attempt and
 * then sees its result.
 */
export const push = apiKeyProcedure
  .meta(requireScope('data:write'))
  .input(pushInput)
  .output(pushOutput)
  .mutation(async ({ ctx, input }) => {
    const requestHash = createHash('sha256').update(JSON.stringify(input.points)).digest('hex');
    if (input.idempotencyKey) {
      const claimed = await ctx.db
        .insertInto('apiIdempotencyKeys')
        .values({ tenantId: ctx.tenant.id, idempotencyKey: input.idempotencyKey, requestHash })
        .onConflict((oc) => oc.columns(['tenantId', 'idempotencyKey']).doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!claimed) {
        const earlier = await ctx.db
          .selectFrom('apiIdempotencyKeys')
          .select(['requestHash', 'response'])
          .where('tenantId', '=', ctx.tenant.id)
          .where('idempotencyKey', '=', input.idempotencyKey)
          .executeTakeFirstOrThrow();
        if (earlier.requestHash !== requestHash)
          throw new AppError('CONFLICT', 'This idempotency key was used for a different batch');
        return { ...(earlier.response as unknown as WriteResult), replayed: true };
      }
    }
    const { metricKeys, ...result } = await writePoints(ctx.db, ctx.tenant.id, input.points);
    if (input.idempotencyKey) {
      await ctx.db
        .updateTable('apiIdempotencyKeys')
        .set({ response: result as unknown as Json })
        .where('tenantId', '=', ctx.tenant.id)
        .where('idempotencyKey', '=', input.idempotencyKey)
        .execute();
    }
    if (result.written > 0) {
      await audit(ctx, {
        action: 'data.points_written',
        target: { type: 'api_key', id: ctx.apiKey.id, display: ctx.apiKey.name },
        after: {
          source: 'api',
          received: result.received,
          written: result.written,
          rejected: result.rejected,
          metrics: metricKeys.slice(0, 50),
        },
      });
    }
    return { ...result, replayed: false };
  });
