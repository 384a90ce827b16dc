import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { BackupError } from './errors.ts';

/**
 * Master keys by id. A backup's data key is wrapped by the active key and the key id is recorded in
 * its manifest, so keys can rotate: retired keys stay in the ring to read older backups.
 */
export interface Keyring {
  activeId: string;
  keys: ReadonlyMap<string, Buffer>;
  /** True when the ring is the generated development key (logged loudly at start-up). */
  dev: boolean;
}

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/** Parses `id1:base64key,id2:base64key`; every key must be 32 bytes (AES-256). */
export function parseKeyring(spec: string, activeId: string | undefined): Keyring {
  const keys = new Map<string, Buffer>();
  for (const part of spec
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const colon = part.indexOf(':');
    const id = colon > 0 ? part.slice(0, colon) : '';
    if (!KEY_ID.test(id))
      throw new Error(
        `BACKUP_KEYS: each entry is id:base64key with an id of letters, digits, _ or - (got "${part.slice(0, 12)}…")`,
      );
    const key = Buffer.from(part.slice(colon + 1), 'base64');
    if (key.length !== 32)
      throw new Error(
        `BACKUP_KEYS: key "${id}" must be 32 bytes of base64 (got ${key.length}); generate one with: openssl rand -base64 32`,
      );
    if (keys.has(id)) throw new Error(`BACKUP_KEYS: key id "${id}" appears twice`);
    keys.set(id, key);
  }
  if (!keys.size) throw new Error('BACKUP_KEYS: no keys given');
  const active = activeId ?? (keys.size === 1 ? [...keys.keys()][0]! : undefined);
  if (!active) throw new Error('BACKUP_ACTIVE_KEY: required when BACKUP_KEYS has more than one key');
  if (!keys.has(active)) throw new Error(`BACKUP_ACTIVE_KEY: "${active}" is not one of the ids in BACKUP_KEYS`);
  return { activeId: active, keys, dev: false };
}

/** A fresh random single-key ring (tests, and the development key). */
export function generateKeyring(id = 'dev'): Keyring {
  return { activeId: id, keys: new Map([[id, randomBytes(32)]]), dev: id === 'dev' };
}

export function keyringSpec(ring: Keyring): string {
  return [...ring.keys].map(([id, key]) => `${id}:${key.toString('base64')}`).join(',');
}

const wrapAad = (backupId: string, tenantId: string, keyId: string) =>
  Buffer.from(`mfiq-backup-key|${backupId}|${tenantId}|${keyId}`);

/** Wraps a data key under the active master key, bound to this backup and tenant. */
export function wrapDataKey(
  ring: Keyring,
  dataKey: Buffer,
  backupId: string,
  tenantId: string,
): { keyId: string; wrappedKey: string } {
  const master = ring.keys.get(ring.activeId)!;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', master, iv);
  cipher.setAAD(wrapAad(backupId, tenantId, ring.activeId));
  const ct = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  return { keyId: ring.activeId, wrappedKey: Buffer.concat([iv, ct, cipher.getAuthTag()]).toString('base64') };
}

export function unwrapDataKey(
  ring: Keyring,
  keyId: string,
  wrappedKey: string,
  backupId: string,
  tenantId: string,
): Buffer {
  const master = ring.keys.get(keyId);
  if (!master) {
    throw new BackupError(
      'KEY_MISSING',
      `Backup ${backupId} is encrypted with master key "${keyId}", which is not in BACKUP_KEYS (known: ${[...ring.keys.keys()].join(', ')}).`,
    );
  }
  const raw = Buffer.from(wrappedKey, 'base64');
  try {
    if (raw.length !== 12 + 32 + 16) throw new Error('bad length');
    const decipher = createDecipheriv('aes-256-gcm', master, raw.subarray(0, 12));
    decipher.setAAD(wrapAad(backupId, tenantId, keyId));
    decipher.setAuthTag(raw.subarray(44));
    return Buffer.concat([decipher.update(raw.subarray(12, 44)), decipher.final()]);
  } catch (error) {
    throw new BackupError(
      'KEY_WRONG',
      `Backup ${backupId}: master key "${keyId}" does not open its data key (a different key under the same id, or the manifest's key fields were changed).`,
      { cause: error },
    );
  }
}

/** Separate keys for the data frames and the manifest MAC, derived from the one data key. */
export function deriveKeys(dataKey: Buffer): { enc: Buffer; mac: Buffer } {
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), info, 32));
  return { enc: derive('mfiq-backup/1 data'), mac: derive('mfiq-backup/1 manifest') };
}
