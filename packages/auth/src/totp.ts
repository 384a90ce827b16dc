import { Secret, TOTP } from 'otpauth';

/** RFC 6238 with the parameters every authenticator app supports: SHA-1, 6 digits, 30 s. */
const PERIOD = 30;
const ISSUER = 'Metric Flow IQ';

export function generateTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The otpauth:// URI an authenticator app scans (as a QR code) or takes by hand. */
export function totpUri(secretBase32: string, accountName: string): string {
  return new TOTP({
    issuer: ISSUER,
    label: accountName,
    secret: Secret.fromBase32(secretBase32),
    period: PERIOD,
  }).toString();
}

export function totpStep(at: Date): number {
  return Math.floor(at.getTime() / 1000 / PERIOD);
}

/** The code for a time (tests and the authenticator side). */
export function totpCode(secretBase32: string, at: Date): string {
  return TOTP.generate({ secret: Secret.fromBase32(secretBase32), period: PERIOD, timestamp: at.getTime() });
}

/**
 * Checks a code against the current step and one step either side (clock drift). Returns the step
 * the code belongs to, or null. A code whose step is not after `lastUsedStep` is refused: each code
 * works once, and an older one never works after a newer one was used.
 */
export function verifyTotp(
  secretBase32: string,
  code: string,
  opts: { at: Date; lastUsedStep: number | null },
): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = TOTP.validate({
    token: code,
    secret: Secret.fromBase32(secretBase32),
    period: PERIOD,
    timestamp: opts.at.getTime(),
    window: 1,
  });
  if (delta === null) return null;
  const step = totpStep(opts.at) + delta;
  if (opts.lastUsedStep !== null && step <= opts.lastUsedStep) return null;
  return step;
}
