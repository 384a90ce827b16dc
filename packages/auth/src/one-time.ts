import { createHash, randomBytes } from 'node:crypto';
import { generateSessionToken, sessionTokenHash } from './token.ts';

/**
 * Single-use secrets sent by email or shown once (invitation and reset links, sign-in challenges,
 * recovery codes). Only their SHA-256 is stored; each has enough entropy that the hash needs no salt.
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

export function recoveryCodeHash(code: string): string {
  return createHash('sha256')
    .update(`recovery:${normalizeRecoveryCode(code)}`, 'utf8')
    .digest('hex');
}

export function looksLikeRecoveryCode(code: string): boolean {
  return /^[a-z0-9]{12}$/.test(normalizeRecoveryCode(code));
}
