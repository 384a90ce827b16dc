import { dictionary } from '@zxcvbn-ts/language-common';

/**
 * Passwords from public breach corpora, as shipped offline by zxcvbn-ts's common dictionary (about
 * 49,000 entries ranked by frequency in leaked password dumps). Nothing is fetched at run time. The
 * list is decompressed and turned into a Set on first use, once per process, so a check is a hash
 * lookup; entries are compared in lower case, so "Password1" matches "password1".
 */
let breached: ReadonlySet<string> | null = null;

export function breachedPasswords(): ReadonlySet<string> {
  breached ??= new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));
  return breached;
}

/** Whether a (normalized) password is on the breached list, ignoring case. */
export function isBreachedPassword(normalized: string): boolean {
  return breachedPasswords().has(normalized.toLowerCase());
}
