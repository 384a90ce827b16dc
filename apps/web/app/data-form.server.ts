import { createHash } from 'node:crypto';

/** The per-form rate-limit subject of a live link: its hash, never the token itself. */
export function linkSubject(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 32);
}
