import { COMMON_PASSWORDS } from './common-passwords.ts';
import { normalizePassword } from './password.ts';

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

/**
 * A human message saying why the password is refused, or null when it is acceptable. Length is
 * counted in Unicode code points of the normalized form (what gets hashed), so an emoji counts
 * once and not as two UTF-16 units.
 */
export function passwordPolicyError(pw: string, ctx: { email?: string | null } = {}): string | null {
  const normalized = normalizePassword(pw);
  const length = [...normalized].length;
  if (length < PASSWORD_MIN_LENGTH) return `Password must be at least ${PASSWORD_MIN_LENGTH} characters long.`;
  if (length > PASSWORD_MAX_LENGTH) return `Password must be at most ${PASSWORD_MAX_LENGTH} characters long.`;
  const lower = normalized.toLowerCase();
  const email = ctx.email?.trim().toLowerCase();
  if (email && lower.trim() === email) return 'Password must not be your email address.';
  if (COMMON_PASSWORDS.has(lower))
    return 'This password is one of the most commonly used passwords. Please choose a less guessable one.';
  return null;
}
