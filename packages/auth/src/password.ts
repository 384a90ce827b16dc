import { hash, verify } from '@node-rs/argon2';

/**
 * OWASP's minimum argon2id profile (19 MiB, 2 passes, 1 lane). Raising any of these makes
 * passwordNeedsRehash() true for older hashes, so sign-in upgrades them one by one.
 */
export const ARGON2_PARAMS = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

// @node-rs/argon2 declares Algorithm as an ambient const enum, which isolatedModules cannot inline and
// which is an empty object at runtime: pass the numeric value (Argon2id = 2) instead.
const ARGON2ID = 2;
const ARGON2_VERSION = 19;

/**
 * The same password typed on different systems can arrive in different Unicode forms (composed vs.
 * decomposed accents, full-width digits); NFKC makes them hash alike (NIST SP 800-63B 5.1.1.2).
 */
export function normalizePassword(pw: string): string {
  return pw.normalize('NFKC');
}

export function hashPassword(pw: string): Promise<string> {
  return hash(normalizePassword(pw), { algorithm: ARGON2ID, ...ARGON2_PARAMS });
}

/** False for a wrong password and for a stored value that is not an argon2 hash (never throws). */
export async function verifyPassword(storedHash: string, pw: string): Promise<boolean> {
  try {
    return await verify(storedHash, normalizePassword(pw));
  } catch {
    return false;
  }
}

export interface Argon2HashParams {
  algorithm: string;
  version: number;
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

/** Reads the parameters out of a PHC string such as `$argon2id$v=19$m=19456,t=2,p=1$salt$hash`. */
export function parseArgon2Hash(encoded: string): Argon2HashParams | null {
  const m = /^\$(argon2(?:id|i|d))\$v=(\d+)\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/.exec(encoded);
  if (!m) return null;
  const [, algorithm = '', v = '', mem = '', t = '', p = ''] = m;
  return { algorithm, version: Number(v), memoryCost: Number(mem), timeCost: Number(t), parallelism: Number(p) };
}

/**
 * True when the hash was not made with exactly the current parameters. Call it after a successful
 * verify, when the plain password is at hand to hash again. "Differs" rather than "weaker": one
 * policy for every account, including a deliberate lowering.
 */
export function passwordNeedsRehash(storedHash: string): boolean {
  const p = parseArgon2Hash(storedHash);
  return (
    !p ||
    p.algorithm !== 'argon2id' ||
    p.version !== ARGON2_VERSION ||
    p.memoryCost !== ARGON2_PARAMS.memoryCost ||
    p.timeCost !== ARGON2_PARAMS.timeCost ||
    p.parallelism !== ARGON2_PARAMS.parallelism
  );
}

/**
 * A hash of a random, discarded password, made with ARGON2_PARAMS (a test keeps them in step).
 * Verifying against it costs what verifying a real user's hash costs.
 */
export const DUMMY_PASSWORD_HASH =
  '$argon2id$v=19$m=19456,t=2,p=1$RMGXQ4Di9THfM32pNdt3eQ$q26tYmV2HvVPATCx66YDpcvBiqGQObQ4hRXDVFulVDs';

/**
 * For sign-in with an unknown email: spend the same argon2 time as for a known one, so response
 * time does not reveal which emails have accounts. Always false.
 */
export async function verifyPasswordAgainstDummy(pw: string): Promise<false> {
  await verifyPassword(DUMMY_PASSWORD_HASH, pw);
  return false;
}
