import { z } from 'zod';
import type { ApiScope } from '../../permissions.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { apiKeyOutput } from './schemas.ts';

export const list = tenantProcedure
  .meta(requirePermission('apikeys:manage'))
  .output(z.array(apiKeyOutput))
  .query(async ({ ctx }) => {
    const rows = await ctx.db
      .selectFrom('apiKeys')
      .select(['id', 'name', 'prefix', 'scopes', 'createdAt', 'lastUsedAt', 'revokedAt'])
      .where('tenantId', '=', ctx.tenant.id)
      .orderBy('revokedAt', (ob) => ob.desc().nullsFirst())
      .orderBy('createdAt', 'desc')
      .execute();
    return rows.map((r) => ({ ...r, scopes: r.scopes as ApiScope[] }));
  });
