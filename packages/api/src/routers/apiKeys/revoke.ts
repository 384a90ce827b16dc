import { z } from 'zod';
import { audit } from '../../audit.ts';
import { notFound } from '../../errors.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { revokeApiKeyInput } from './schemas.ts';

/** Revokes at once: the key lookup ignores revoked keys, so the next request with it is refused. */
export const revoke = tenantProcedure
  .meta(requirePermission('apikeys:manage'))
  .input(revokeApiKeyInput)
  .output(z.object({ revoked: z.literal(true) }))
  .mutation(async ({ ctx, input }) => {
    const key = await ctx.db
      .selectFrom('apiKeys')
      .select(['id', 'name', 'prefix', 'revokedAt'])
      .where('tenantId', '=', ctx.tenant.id)
      .where('id', '=', input.id)
      .forUpdate()
      .executeTakeFirst();
    if (!key) throw notFound('API key not found');
    if (!key.revokedAt) {
      await ctx.db
        .updateTable('apiKeys')
        .set({ revokedAt: new Date() })
        .where('tenantId', '=', ctx.tenant.id)
        .where('id', '=', input.id)
        .execute();
      await audit(ctx, {
        action: 'api_key.revoked',
        target: { type: 'api_key', id: key.id, display: key.name },
        before: { revoked: false, prefix: key.prefix },
        after: { revoked: true },
      });
    }
    return { revoked: true as const };
  });
