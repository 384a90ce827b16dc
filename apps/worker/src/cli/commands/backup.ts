import { parseArgs } from 'node:util';
import { BackupError, FsStorage, loadBackupSettings, openBackup, restoreBackup, backupEnvSchema, type RestoreTarget } from '@mfiq/backup';
import { createDb } from '@mfiq/db';
import { z } from 'zod';

const HELP = `Usage:
  mfiq backup list [--org <tenant id>]
  mfiq backup verify <backup id>
  mfiq backup restore <backup id> --into same [--verify]
  mfiq backup restore <backup id> --into new --slug <new-slug> [--name <name>] [--verify]

Environment:
  DATABASE_URL        the owner role's connection (restore runs as the owner, inside the organization)
  BACKUP_DIR          where backups are stored (default .data/backups)
  BACKUP_KEYS         id:base64key,... master keys, including retired ones for older backups

restore --into same   replaces the organization's data with the backup's, in one transaction
restore --into new    copies it into a new organization (new id and slug; members and history kept)
--verify              checks keys, manifest, every frame and checksum and the schema; writes nothing
`;

const envSchema = z.object({ ...backupEnvSchema, DATABASE_URL: z.preprocess((v) => (v === '' ? undefined : v), z.string().optional()) });

const print = (line: string) => process.stdout.write(`${line}\n`);
const fail = (line: string, code = 1) => {
  process.stderr.write(`${line}\n`);
  return code;
};

function settings() {
  const env = envSchema.parse(process.env);
  const backup = loadBackupSettings(env, (message) => process.stderr.write(`WARNING: ${message}\n`));
  return { env, backup, storage: new FsStorage(backup.dir) };
}

/** Backups are found by id in storage, so a restore works even when the database lost the organization. */
async function locate(storage: FsStorage, backupId: string): Promise<{ tenantId: string; backupId: string } | null> {
  if (!z.uuid().safeParse(backupId).success) return null;
  const hit = (await storage.list()).find((o) => o.key.endsWith(`/${backupId}.manifest.json`));
  return hit ? { tenantId: hit.key.split('/')[0]!, backupId } : null;
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === 'help') {
    process.stdout.write(HELP);
    return sub ? 0 : 2;
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { org: { type: 'string' }, into: { type: 'string' }, slug: { type: 'string' }, name: { type: 'string' }, verify: { type: 'boolean', default: false } },
    });
  } catch (error) {
    return fail(`${(error as Error).message}\n\n${HELP}`, 2);
  }
  const { values, positionals } = parsed;
  try {
    const { env, backup, storage } = settings();
    if (sub === 'list') {
      const objects = (await storage.list(values.org ? `${values.org}/` : '')).filter((o) => o.key.endsWith('.manifest.json'));
      for (const o of objects) {
        const [tenantId, file] = o.key.split('/');
        const backupId = file!.replace('.manifest.json', '');
        try {
          const { manifest } = await openBackup(storage, backup.keyring, { tenantId: tenantId!, backupId });
          const rows = manifest.tables.reduce((n, t) => n + t.rows, 0);
          print(`${backupId}  ${manifest.createdAt}  ${manifest.slug.padEnd(20)}  tenant ${tenantId}  schema ${manifest.schemaVersion}  ${rows} rows  key ${manifest.keyId}`);
        } catch (error) {
          print(`${backupId}  UNREADABLE  tenant ${tenantId}  ${(error as Error).message}`);
        }
      }
      if (!objects.length) print('No backups found.');
      return 0;
    }
    const backupId = positionals[0];
    if (!backupId) return fail(`A backup id is required.\n\n${HELP}`, 2);
    const ref = await locate(storage, backupId);
    if (!ref) return fail(`Backup ${backupId} was not found in ${backup.dir}.`);

    if (sub === 'verify' || (sub === 'restore' && values.verify && !env.DATABASE_URL)) {
      const { verifyBackup } = await import('@mfiq/backup');
      const manifest = await verifyBackup(storage, backup.keyring, ref);
      print(`OK: backup ${backupId} of ${manifest.slug} (${manifest.createdAt}, schema ${manifest.schemaVersion}) is intact: ${manifest.tables.map((t) => `${t.name} ${t.rows}`).join(', ')}.`);
      if (sub === 'verify') return 0;
    }
    if (sub !== 'restore') return fail(`Unknown subcommand "${sub}".\n\n${HELP}`, 2);

    let target: RestoreTarget;
    if (values.into === 'same') target = { kind: 'same' };
    else if (values.into === 'new') {
      if (!values.slug) return fail('--into new needs --slug <new-slug> for the new organization.', 2);
      target = { kind: 'new', slug: values.slug, ...(values.name ? { name: values.name } : {}) };
    } else return fail('--into same or --into new is required.', 2);
    if (!env.DATABASE_URL) return fail('DATABASE_URL (the owner role) is required to restore.', 2);

    const db = createDb(env.DATABASE_URL, { max: 2, applicationName: 'mfiq-cli', statementTimeoutMs: 0 });
    try {
      const result = await restoreBackup({ db, storage, keyring: backup.keyring, ref, target, verifyOnly: values.verify });
      const from = `schema ${result.plan.fromVersion}${result.plan.fromVersion === result.plan.toVersion ? '' : ` -> ${result.plan.toVersion}`}`;
      if (!result.restored) {
        print(`OK: backup ${backupId} is intact and can be restored (${from}). Nothing was written (--verify).`);
      } else {
        const counts = Object.entries(result.rows).map(([t, n]) => `${t} ${n}`).join(', ');
        print(`Restored backup ${backupId} into ${target.kind === 'new' ? `new organization ${target.slug}` : `organization ${result.manifest.slug}`} (tenant ${result.tenantId}, ${from}): ${counts}.`);
      }
      return 0;
    } finally {
      await db.destroy();
    }
  } catch (error) {
    if (error instanceof BackupError) return fail(`Refused: ${error.message}`);
    if (error instanceof z.ZodError) return fail(`Invalid configuration: ${error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, 2);
    return fail(`Failed: ${(error as Error).message}`);
  }
}
