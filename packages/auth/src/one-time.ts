import { createHash, randomBytes } from 'node:crypto';
import type { SecretBox } from './secret-box.ts';
import { generateSessionToken, sessionTokenHash } from './token.ts';

/**
 * Single-use secrets sent by email or shown once (invitation and reset links, sign-in challenges).
 * Only their SHA-256 is stored; each has 200 bits of entropy, so the hash needs no salt or key.
 * Recovery codes are shorter and are stored keyed (recoveryCodeHash).
 */
export function generateOneTimeToken(): string {
  return generateSessionToken();
}

export const oneTimeTokenHash = sessionTokenHash;

const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** Ten codes of 12 characters (about 59 bits each), shown as xxxx-xxxx-xxxx. */
export function generateRecoveryCodes(count = 10): string[] {
  return Array.from({ length: count }, () => {
    const bytes = randomBytes(12);
    const chars = Array.from(bytes, (b) => RECOVERY_ALPHABET[b % RECOVERY_ALPHABET.length]).join('');
    return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8, 12)}`;
  });
}

/** Case, spaces and dashes do not matter when a code is typed back. */
export function normalizeRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, '');
}

/**
 * The unkeyed digest recovery codes were once stored as (SHA-256). Kept as the inner step of the
 * keyed form, so a stored legacy digest converts without its code (upgradeRecoveryDigest).
 */
export function legacyRecoveryCodeDigest(code: string): string {
  return createHash('sha256')
    .update(`recovery:${normalizeRecoveryCode(code)}`, 'utf8')
    .digest('hex');
}

/**
 * How a recovery code is stored: HMAC-SHA256 of its digest under a sub-key of the application key.
 * About 59 bits per code is fine against online guessing (attempts are throttled) but not against
 * an offline search of a leaked table; without the application key there is nothing to search.
 */
export function recoveryCodeHash(box: SecretBox, code: string): string {
  return box.mac('recovery-codes', legacyRecoveryCodeDigest(code));
}

/** The keyed form of a legacy (unkeyed) stored digest. */
export function upgradeRecoveryDigest(box: SecretBox, legacyDigest: string): string {
  return box.mac('recovery-codes', legacyDigest);
}

export function looksLikeRecoveryCode(code: string): boolean {
  return /^[a-z0-9]{12}$/.test(normalizeRecoveryCode(code));
}
