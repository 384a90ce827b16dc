import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { audit } from '../../audit.ts';
import { API_SCOPES } from '../../permissions.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { apiKeyOutput, createApiKeyInput } from './schemas.ts';

/**
 * A new key: 32 random bytes, shown once in this response. Only its SHA-256 is stored (a high-
 * entropy token needs no slow hash), with the first characters kept to recognise it in lists.
 */
export const create = tenantProcedure
  .meta(requirePermission('apikeys:manage'))
  .input(createApiKeyInput)
  .output(z.object({ key: apiKeyOutput, token: z.string() }))
  .mutation(async ({ ctx, input }) => {
    const token = `mfiq_${randomBytes(32).toString('base64url')}`;
    const scopes = API_SCOPES.filter((s) => input.scopes.includes(s));
    const key = await ctx.db
      .insertInto('apiKeys')
      .values({
        tenantId: ctx.tenant.id,
        name: input.name,
        prefix: token.slice(0, 12),
        tokenHash: createHash('sha256').update(token).digest('hex'),
        scopes,
        createdBy: ctx.user.id,
      })
      .returning(['id', 'name', 'prefix', 'createdAt', 'lastUsedAt', 'revokedAt'])
      .executeTakeFirstOrThrow();
    await audit(ctx, {
      action: 'api_key.created',
      target: { type: 'api_key', id: key.id, display: key.name },
      after: { name: key.name, prefix: key.prefix, scopes },
    });
    return { key: { ...key, scopes }, token };
  });
