import { sql } from '@mfiq/db';
import { audit } from '../../audit.ts';
import { AppError } from '../../errors.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { backupOutput, type BackupRow } from './schemas.ts';

/**
 * Queues a backup now: the row (shown with its progress) and the worker's job are created in the
 * same transaction as the audit event, so a queued backup always has a job and a record of who asked.
 */
export const start = tenantProcedure
  .meta(requirePermission('backups:manage'))
  .output(backupOutput)
  .mutation(async ({ ctx }) => {
    // One at a time per organization: serialize on the organization row, then look.
    await ctx.db
      .selectFrom('organizations')
      .select('tenantId')
      .where('tenantId', '=', ctx.tenant.id)
      .forUpdate()
      .execute();
    const busy = await ctx.db
      .selectFrom('backups')
      .select('id')
      .where('tenantId', '=', ctx.tenant.id)
      .where('status', 'in', ['queued', 'running'])
      .executeTakeFirst();
    if (busy) throw new AppError('CONFLICT', 'A backup is already in progress for this organization.');
    const row = await ctx.db
      .insertInto('backups')
      .values({ tenantId: ctx.tenant.id, kind: 'manual', requestedBy: ctx.user.id })
      .returning([
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
      .executeTakeFirstOrThrow();
    const payload = JSON.stringify({ tenantId: ctx.tenant.id, backupId: row.id });
    await sql`select graphile_worker.add_job('backup_tenant', ${payload}::json, job_key := ${`backup:${row.id}`}, max_attempts := 1)`.execute(
      ctx.db,
    );
    await audit(ctx, { action: 'backup.requested', target: { type: 'backup', id: row.id } });
    return row as BackupRow;
  });
