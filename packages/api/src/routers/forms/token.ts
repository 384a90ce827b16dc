import { createHash, randomBytes } from 'node:crypto';

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** A new link token: 32 random bytes, base64url. Unguessable, so the link itself is the credential. */
export function newFormToken(): { token: string; hash: string; prefix: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: formTokenHash(token), prefix: token.slice(0, 6) };
}

/** The stored identity of a token (SHA-256: a high-entropy token needs no slow hash). */
export function formTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function isFormToken(token: string): boolean {
  return TOKEN.test(token);
}
