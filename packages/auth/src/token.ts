import { createHash } from 'node:crypto';
import { generateIdFromEntropySize } from 'lucia';

// 25 random bytes = 200 bits, encoded by lucia as 40 characters of lowercase base32 (a-z, 2-7).
const TOKEN_BYTES = 25;
const TOKEN_PATTERN = /^[a-z2-7]{40}$/;
const HASH_PATTERN = /^[0-9a-f]{64}$/;

/** A new session token: what the cookie carries, and nothing else ever sees. */
export function generateSessionToken(): string {
  return generateIdFromEntropySize(TOKEN_BYTES);
}

/**
 * The session id as stored: SHA-256 of the token, in hex. A plain fast hash is enough because the
 * token already has 200 bits of entropy; there is nothing to brute-force.
 */
export function sessionTokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Lets a garbage cookie be refused before it costs a database round trip. */
export function isWellFormedToken(value: string): boolean {
  return TOKEN_PATTERN.test(value);
}

export function isSessionId(value: string): boolean {
  return HASH_PATTERN.test(value);
}
