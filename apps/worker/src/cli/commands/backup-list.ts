import { openBackup } from '@mfiq/backup';
import { EXIT, type CliCommand } from '../command.ts';
import { backupContext } from '../backup-common.ts';

/** `mfiq backup list [--org TENANT_ID]`: every backup in BACKUP_DIR, each checked against the keys. */
export const command: CliCommand = {
  name: ['backup', 'list'],
  summary: 'List the backups in BACKUP_DIR (each manifest authenticated with BACKUP_KEYS)',
  options: { org: { type: 'string', description: 'only this organization (tenant id)' } },
  async run(args, ctx) {
    const { settings, storage } = backupContext(ctx.env, ctx.err);
    const prefix = typeof args.org === 'string' ? `${args.org}/` : '';
    const manifests = (await storage.list(prefix)).filter((o) => o.key.endsWith('.manifest.json'));
    for (const o of manifests) {
      const [tenantId, file] = o.key.split('/') as [string, string];
      const backupId = file.replace('.manifest.json', '');
      try {
        const { manifest } = await openBackup(
          storage,
          { keyring: settings.keyring, db: ctx.ownerDb() },
          { tenantId, backupId },
        );
        const rows = manifest.tables.reduce((n, t) => n + t.rows, 0);
        ctx.out(
          `${backupId}  ${manifest.createdAt}  ${manifest.slug.padEnd(20)}  tenant ${tenantId}  schema ${manifest.schemaVersion}  ${rows} rows  key ${manifest.keyId}`,
        );
      } catch (error) {
        ctx.out(`${backupId}  UNREADABLE  tenant ${tenantId}  ${(error as Error).message}`);
      }
    }
    if (!manifests.length) ctx.out('No backups found.');
    return EXIT.ok;
  },
};
