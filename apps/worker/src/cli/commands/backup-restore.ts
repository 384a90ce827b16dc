import { BackupError, restoreBackup, type KeptDifferences, type RestoreTarget } from '@mfiq/backup';
import { createDb } from '@mfiq/db';
import { EXIT, UsageError, type CliCommand } from '../command.ts';
import { backupContext, locateBackup } from '../backup-common.ts';

/**
 * `mfiq backup restore --id BACKUP_ID --into same|new [--slug NEW] [--name NAME] [--verify]`.
 * Runs as the owner role (DATABASE_URL) inside the organization (withTenant), never BYPASSRLS.
 */
export const command: CliCommand = {
  name: ['backup', 'restore'],
  summary: 'Restore a backup into its organization (data replaced) or into a new one; --verify writes nothing',
  options: {
    id: { type: 'string', required: true, description: 'the backup id' },
    into: {
      type: 'string',
      required: true,
      description: '"same" (replace the organization\'s data) or "new" (a copy)',
    },
    slug: { type: 'string', description: 'slug of the new organization (with --into new)' },
    name: { type: 'string', description: 'name of the new organization (default: the original name)' },
    verify: {
      type: 'boolean',
      description: 'check everything, including the fit with the current schema, and write nothing',
    },
  },
  async run(args, ctx) {
    let target: RestoreTarget;
    if (args.into === 'same') target = { kind: 'same' };
    else if (args.into === 'new') {
      if (typeof args.slug !== 'string' || !args.slug)
        throw new UsageError('--into new needs --slug for the new organization');
      target = {
        kind: 'new',
        slug: args.slug,
        ...(typeof args.name === 'string' && args.name ? { name: args.name } : {}),
      };
    } else throw new UsageError('--into must be "same" or "new"');
    const url = ctx.env.DATABASE_URL;
    if (!url) throw new UsageError('DATABASE_URL (the owner role) is required to restore');
    const { settings, storage } = backupContext(ctx.env, ctx.err);
    const ref = await locateBackup(storage, String(args.id));
    const db = createDb(url, { max: 2, applicationName: 'mfiq-cli backup restore', statementTimeoutMs: 0 });
    try {
      const result = await restoreBackup({
        db,
        storage,
        keyring: settings.keyring,
        ref,
        target,
        verifyOnly: args.verify === true,
      });
      const from = `schema ${result.plan.fromVersion}${result.plan.fromVersion === result.plan.toVersion ? '' : ` -> ${result.plan.toVersion}`}`;
      if (!result.restored)
        ctx.out(`OK: backup ${ref.backupId} is intact and can be restored (${from}). Nothing was written (--verify).`);
      else {
        const counts = Object.entries(result.rows)
          .map(([t, n]) => `${t} ${n}`)
          .join(', ');
        const into = target.kind === 'new' ? `new organization ${target.slug}` : `organization ${result.manifest.slug}`;
        ctx.out(`Restored backup ${ref.backupId} into ${into} (tenant ${result.tenantId}, ${from}): ${counts}.`);
        for (const line of keptLines(result.kept)) ctx.out(line);
      }
      return EXIT.ok;
    } catch (error) {
      if (!(error instanceof BackupError)) throw error;
      ctx.err(`Refused: ${error.message}`);
      return EXIT.failed;
    } finally {
      await db.destroy();
    }
  },
};

/** What an in-place restore left as it is now: the operator sees each difference from the backup. */
function keptLines(kept: KeptDifferences | null): string[] {
  if (!kept) return [];
  const lines = [
    ...kept.membersRemovedSinceBackup.map((u) => `  user ${u}: removed since the backup, stays removed`),
    ...kept.membersAddedSinceBackup.map((u) => `  user ${u}: added since the backup, stays a member`),
    ...kept.rolesChangedSinceBackup.map(
      (r) => `  user ${r.userId}: role stays ${r.current} (the backup had ${r.backup})`,
    ),
    ...Object.entries(kept.settings).map(
      ([name, v]) => `  ${name} stays ${JSON.stringify(v.current)} (the backup had ${JSON.stringify(v.backup)})`,
    ),
  ];
  return lines.length
    ? ['Kept as they are now (members, lock and security policy are never restored in place):', ...lines]
    : [];
}
