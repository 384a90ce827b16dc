import { z } from 'zod';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { backupOutput, type BackupRow } from './schemas.ts';

/** The organization's backups, newest first (retention keeps the list short; capped anyway). */
export const list = tenantProcedure
  .meta(requirePermission('backups:manage'))
  .output(z.array(backupOutput))
  .query(async ({ ctx }) => {
    const rows = await ctx.db
      .selectFrom('backups')
      .select([
        'id',
        'kind',
        'status',
        'createdAt',
        'startedAt',
        'finishedAt',
        'rowsDone',
        'rowsTotal',
        'bytes',
        'error',
      ])
      .where('tenantId', '=', ctx.tenant.id)
      .orderBy('createdAt', 'desc')
      .orderBy('id')
      .limit(200)
      .execute();
    return rows as BackupRow[];
  });
