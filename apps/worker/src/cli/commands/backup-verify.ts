import { BackupError, verifyBackup } from '@mfiq/backup';
import { EXIT, type CliCommand } from '../command.ts';
import { backupContext, locateBackup } from '../backup-common.ts';

/**
 * `mfiq backup verify --id BACKUP_ID`: keys, manifest, every frame and checksum; writes nothing.
 * The organization's backup key is read from the database (DATABASE_URL).
 */
export const command: CliCommand = {
  name: ['backup', 'verify'],
  summary: 'Check a backup end to end without restoring it (exit 1 and the reason if it is damaged)',
  options: { id: { type: 'string', required: true, description: 'the backup id' } },
  async run(args, ctx) {
    const { settings, storage } = backupContext(ctx.env, ctx.err);
    const ref = await locateBackup(storage, String(args.id));
    try {
      const m = await verifyBackup(storage, { keyring: settings.keyring, db: ctx.ownerDb() }, ref);
      ctx.out(
        `OK: backup ${m.backupId} of ${m.slug} (${m.createdAt}, schema ${m.schemaVersion}) is intact: ${m.tables.map((t) => `${t.name} ${t.rows}`).join(', ')}.`,
      );
      return EXIT.ok;
    } catch (error) {
      if (!(error instanceof BackupError)) throw error;
      ctx.err(`Refused: ${error.message}`);
      return EXIT.failed;
    }
  },
};
