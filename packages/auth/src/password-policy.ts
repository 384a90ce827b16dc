import { isBreachedPassword } from './breached-passwords.ts';
import { normalizePassword } from './password.ts';

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;
export const BREACHED_PASSWORD_MESSAGE =
  'This password appears in lists of passwords leaked in data breaches, so attackers try it first. Choose another one.';

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
  if (isBreachedPassword(normalized)) return BREACHED_PASSWORD_MESSAGE;
  return null;
}
