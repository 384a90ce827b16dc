import { backupEnvSchema, FsStorage, loadBackupSettings, type BackupSettings } from '@mfiq/backup';
import { z } from 'zod';
import { UsageError } from './command.ts';

/** Storage and keys from BACKUP_DIR / BACKUP_KEYS / BACKUP_ACTIVE_KEY, as the worker reads them. */
export function backupContext(
  env: NodeJS.ProcessEnv,
  warn: (line: string) => void,
): { settings: BackupSettings; storage: FsStorage } {
  const parsed = z.object(backupEnvSchema).safeParse(env);
  if (!parsed.success)
    throw new UsageError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  let settings: BackupSettings;
  try {
    settings = loadBackupSettings(parsed.data, (message) => warn(`WARNING: ${message}`));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return { settings, storage: new FsStorage(settings.dir) };
}

/** Backups are found by id in storage, so a restore works even when the database lost the organization. */
export async function locateBackup(
  storage: FsStorage,
  backupId: string,
): Promise<{ tenantId: string; backupId: string }> {
  if (!z.uuid().safeParse(backupId).success) throw new UsageError(`"${backupId}" is not a backup id (a UUID)`);
  const hit = (await storage.list()).find((o) => o.key.endsWith(`/${backupId}.manifest.json`));
  if (!hit) throw new UsageError(`backup ${backupId} was not found in ${storage.root}`);
  return { tenantId: hit.key.split('/')[0]!, backupId };
}
