import { audit } from '../../audit.ts';
import { notFound } from '../../errors.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { backupIdInput, exportOutput } from './schemas.ts';

/**
 * Authorizes and audits one download of the organization's data from one of its backups. The web's
 * download route then streams the decrypted export; the procedure returns only what names it. A
 * backup of another organization is not found (the lookup runs under this tenant's RLS).
 */
export const exportData = tenantProcedure
  .meta(requirePermission('data:export'))
  .input(backupIdInput)
  .output(exportOutput)
  .mutation(async ({ ctx, input }) => {
    const backup = await ctx.db
      .selectFrom('backups')
      .select(['id', 'createdAt'])
      .where('tenantId', '=', ctx.tenant.id)
      .where('id', '=', input.backupId)
      .where('status', '=', 'succeeded')
      .executeTakeFirst();
    if (!backup) throw notFound('Backup not found');
    await audit(ctx, {
      action: 'backup.exported',
      target: { type: 'backup', id: backup.id, display: backup.createdAt.toISOString() },
    });
    const stamp = backup.createdAt.toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
    return { tenantId: ctx.tenant.id, backupId: backup.id, filename: `${ctx.tenant.slug}-export-${stamp}.zip` };
  });
