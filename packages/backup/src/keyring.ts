import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { BackupError } from './errors.ts';

/**
 * Master keys by id. Each organization's backup key is wrapped by the active master key (key id
 * recorded with it), and each backup's data key by the organization's key (format 2; format 1
 * wrapped data keys with the master key directly). Keys can rotate: retired master keys stay in
 * the ring until nothing wrapped under them is left.
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

/** AES-256-GCM of a 32-byte key under another, bound to `aad`: iv (12) | ciphertext (32) | tag (16), base64. */
function wrap(kek: Buffer, key: Buffer, aad: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek, iv);
  cipher.setAAD(aad);
  const ct = Buffer.concat([cipher.update(key), cipher.final()]);
  return Buffer.concat([iv, ct, cipher.getAuthTag()]).toString('base64');
}

/** The inverse of wrap; throws on any mismatch (wrong key, other binding, edited bytes). */
function unwrap(kek: Buffer, wrapped: string, aad: Buffer): Buffer {
  const raw = Buffer.from(wrapped, 'base64');
  if (raw.length !== 12 + 32 + 16) throw new Error('bad length');
  const decipher = createDecipheriv('aes-256-gcm', kek, raw.subarray(0, 12));
  decipher.setAAD(aad);
  decipher.setAuthTag(raw.subarray(44));
  return Buffer.concat([decipher.update(raw.subarray(12, 44)), decipher.final()]);
}

function masterKey(ring: Keyring, keyId: string, what: string): Buffer {
  const master = ring.keys.get(keyId);
  if (!master) {
    throw new BackupError(
      'KEY_MISSING',
      `${what} is encrypted with master key "${keyId}", which is not in BACKUP_KEYS (known: ${[...ring.keys.keys()].join(', ')}).`,
    );
  }
  return master;
}

const wrapAad = (backupId: string, tenantId: string, keyId: string) =>
  Buffer.from(`mfiq-backup-key|${backupId}|${tenantId}|${keyId}`);

/** Format 1: a backup's data key wrapped directly by a master key (still read; no longer written). */
export function unwrapDataKey(
  ring: Keyring,
  keyId: string,
  wrappedKey: string,
  backupId: string,
  tenantId: string,
): Buffer {
  const master = masterKey(ring, keyId, `Backup ${backupId}`);
  try {
    return unwrap(master, wrappedKey, wrapAad(backupId, tenantId, keyId));
  } catch (error) {
    throw new BackupError(
      'KEY_WRONG',
      `Backup ${backupId}: master key "${keyId}" does not open its data key (a different key under the same id, or the manifest's key fields were changed).`,
      { cause: error },
    );
  }
}

const orgKeyAad = (tenantId: string, orgKeyId: string, masterKeyId: string) =>
  Buffer.from(`mfiq-org-key|${tenantId}|${orgKeyId}|${masterKeyId}`);

/** An organization's backup key wrapped under the active master key, bound to that organization. */
export function wrapOrgKey(
  ring: Keyring,
  orgKey: Buffer,
  tenantId: string,
  orgKeyId: string,
): { masterKeyId: string; wrappedKey: string } {
  const master = ring.keys.get(ring.activeId)!;
  return { masterKeyId: ring.activeId, wrappedKey: wrap(master, orgKey, orgKeyAad(tenantId, orgKeyId, ring.activeId)) };
}

export function unwrapOrgKey(
  ring: Keyring,
  stored: { masterKeyId: string; wrappedKey: string },
  tenantId: string,
  orgKeyId: string,
): Buffer {
  const master = masterKey(ring, stored.masterKeyId, `The backup key of organization ${tenantId}`);
  try {
    return unwrap(master, stored.wrappedKey, orgKeyAad(tenantId, orgKeyId, stored.masterKeyId));
  } catch (error) {
    throw new BackupError(
      'KEY_WRONG',
      `Master key "${stored.masterKeyId}" does not open the backup key of organization ${tenantId} (a different key under the same id).`,
      { cause: error },
    );
  }
}

const backupKeyAad = (backupId: string, tenantId: string, orgKeyId: string) =>
  Buffer.from(`mfiq-backup-data-key|${backupId}|${tenantId}|${orgKeyId}`);

/** Format 2: a backup's data key wrapped by its organization's key, bound to this backup. */
export function wrapBackupKey(orgKey: Buffer, dataKey: Buffer, backupId: string, tenantId: string, orgKeyId: string) {
  return wrap(orgKey, dataKey, backupKeyAad(backupId, tenantId, orgKeyId));
}

export function unwrapBackupKey(
  orgKey: Buffer,
  wrappedKey: string,
  backupId: string,
  tenantId: string,
  orgKeyId: string,
): Buffer {
  try {
    return unwrap(orgKey, wrappedKey, backupKeyAad(backupId, tenantId, orgKeyId));
  } catch (error) {
    throw new BackupError(
      'KEY_WRONG',
      `Backup ${backupId}: its organization's key does not open its data key (the manifest's key fields were changed).`,
      { cause: error },
    );
  }
}

/** Separate keys for the data frames and the manifest MAC, derived from the one data key. */
export function deriveKeys(dataKey: Buffer): { enc: Buffer; mac: Buffer } {
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), info, 32));
  return { enc: derive('mfiq-backup/1 data'), mac: derive('mfiq-backup/1 manifest') };
}
