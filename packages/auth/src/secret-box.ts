import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Application secrets at rest (TOTP seeds today, webhook secrets later): AES-256-GCM under the
 * application key. The stored form names the key by a short id, so a rotated-out key is reported
 * as such instead of failing as "corrupt", and a key can be found again after rotation.
 *
 *   v1.<key id>.<iv>.<ciphertext>.<tag>   (base64url parts)
 */
export interface SecretBox {
  readonly keyId: string;
  seal(plaintext: string): string;
  open(sealed: string): string;
  /**
   * HMAC-SHA256 (hex) under a sub-key derived for `purpose` with HKDF, never the sealing key
   * itself: one purpose's values say nothing about another's, and neither about the key.
   */
  mac(purpose: MacPurpose, message: string): string;
}

/** The keyed digests the application stores; each gets its own HKDF sub-key. */
export type MacPurpose = 'recovery-codes';

export class SecretBoxError extends Error {
  override name = 'SecretBoxError';
}

/** A new random application key, base64 (what APP_ENCRYPTION_KEY holds). */
export function generateAppKey(): string {
  return randomBytes(32).toString('base64');
}

export function parseAppKey(base64: string): Buffer {
  const key = Buffer.from(base64, 'base64');
  if (key.length !== 32)
    throw new SecretBoxError('The application key must be 32 bytes, base64-encoded (e.g. `openssl rand -base64 32`).');
  return key;
}

export function createSecretBox(keyBase64: string): SecretBox {
  const key = parseAppKey(keyBase64);
  const keyId = createHash('sha256').update(key).digest('hex').slice(0, 8);
  const subKeys = new Map<MacPurpose, Buffer>();
  const subKey = (purpose: MacPurpose) => {
    let k = subKeys.get(purpose);
    if (!k) {
      k = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), `mfiq:${purpose}:v1`, 32));
      subKeys.set(purpose, k);
    }
    return k;
  };
  return {
    keyId,
    mac(purpose, message) {
      return createHmac('sha256', subKey(purpose)).update(message, 'utf8').digest('hex');
    },
    seal(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      // The key id is authenticated too: a ciphertext cannot be relabelled to another key.
      cipher.setAAD(Buffer.from(keyId));
      const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [
        'v1',
        keyId,
        iv.toString('base64url'),
        ct.toString('base64url'),
        cipher.getAuthTag().toString('base64url'),
      ].join('.');
    },
    open(sealed) {
      const [version, id, iv, ct, tag] = sealed.split('.');
      if (version !== 'v1' || !id || iv === undefined || ct === undefined || !tag)
        throw new SecretBoxError('Not a sealed secret.');
      if (id !== keyId) throw new SecretBoxError(`Sealed with key ${id}, but the application key is ${keyId}.`);
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(keyId));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      try {
        return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        throw new SecretBoxError('The sealed secret failed authentication (tampered, or another key).');
      }
    },
  };
}
