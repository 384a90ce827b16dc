import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseKeyring, type Keyring } from './keyring.ts';
import type { RetentionPolicy } from './retention.ts';

const blank = (v: unknown) => (v === '' ? undefined : v);
const count = (max: number, dflt: number) =>
  z.preprocess(
    blank,
    z.coerce
      .number({ error: 'must be a whole number' })
      .int('must be a whole number')
      .min(0, 'must be 0 or more')
      .max(max, `must be at most ${max}`)
      .default(dflt),
  );

/** The backup settings both the worker and the web read (merged into each app's own schema). */
export const backupEnvSchema = {
  BACKUP_DIR: z.preprocess(blank, z.string().max(1000).default('.data/backups')),
  BACKUP_KEYS: z.preprocess(blank, z.string().max(10_000).optional()),
  BACKUP_ACTIVE_KEY: z.preprocess(blank, z.string().max(32).optional()),
  BACKUP_KEEP_DAILY: count(366, 7),
  BACKUP_KEEP_WEEKLY: count(520, 4),
  /** The most an organization's owner may choose (retention settings); the defaults above must fit. */
  BACKUP_KEEP_DAILY_MAX: count(366, 35),
  BACKUP_KEEP_WEEKLY_MAX: count(520, 52),
};

export interface BackupSettings {
  dir: string;
  keyring: Keyring;
  /** What each organization keeps unless its owner chose otherwise... */
  retention: RetentionPolicy;
  /** ...within these bounds (docs/decisions/0122). */
  retentionMax: RetentionPolicy;
}

type BackupEnv = {
  BACKUP_DIR: string;
  BACKUP_KEYS?: string | undefined;
  BACKUP_ACTIVE_KEY?: string | undefined;
  BACKUP_KEEP_DAILY: number;
  BACKUP_KEEP_WEEKLY: number;
  BACKUP_KEEP_DAILY_MAX: number;
  BACKUP_KEEP_WEEKLY_MAX: number;
};

/**
 * Resolves the keyring. Without BACKUP_KEYS a development key is created once in BACKUP_DIR (so the
 * web and the worker on one machine share it) and `warn` is told, loudly: such backups are only as
 * safe as that folder. Production sets BACKUP_KEYS from its secret store.
 */
export function loadBackupSettings(env: BackupEnv, warn: (message: string) => void): BackupSettings {
  if (env.BACKUP_KEEP_DAILY > env.BACKUP_KEEP_DAILY_MAX || env.BACKUP_KEEP_WEEKLY > env.BACKUP_KEEP_WEEKLY_MAX)
    throw new Error('BACKUP_KEEP_DAILY/WEEKLY: the defaults must not exceed BACKUP_KEEP_DAILY_MAX/WEEKLY_MAX');
  const dir = path.resolve(env.BACKUP_DIR);
  let keyring: Keyring;
  if (env.BACKUP_KEYS) {
    keyring = parseKeyring(env.BACKUP_KEYS, env.BACKUP_ACTIVE_KEY);
  } else {
    const file = path.join(dir, '.dev-master-key');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    try {
      writeFileSync(file, `dev:${randomBytes(32).toString('base64')}\n`, { flag: 'wx', mode: 0o600 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    keyring = { ...parseKeyring(readFileSync(file, 'utf8').trim(), 'dev'), dev: true };
    warn(
      `BACKUP_KEYS is not set: backups are encrypted with a DEVELOPMENT key stored in ${file}. Never use this in production: set BACKUP_KEYS=id:base64key and BACKUP_ACTIVE_KEY.`,
    );
  }
  return {
    dir,
    keyring,
    retention: { daily: env.BACKUP_KEEP_DAILY, weekly: env.BACKUP_KEEP_WEEKLY },
    retentionMax: { daily: env.BACKUP_KEEP_DAILY_MAX, weekly: env.BACKUP_KEEP_WEEKLY_MAX },
  };
}
