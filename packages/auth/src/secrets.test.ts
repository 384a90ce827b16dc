import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  generateRecoveryCodes,
  legacyRecoveryCodeDigest,
  recoveryCodeHash,
  upgradeRecoveryDigest,
} from './one-time.ts';
import { createSecretBox, generateAppKey } from './secret-box.ts';
import { generateTotpSecret, totpCode, verifyTotp } from './totp.ts';

describe('secret box (AES-256-GCM under the application key)', () => {
  it('round-trips, never stores the plaintext, and uses a fresh IV each time', () => {
    const box = createSecretBox(generateAppKey());
    const a = box.seal('JBSWY3DPEHPK3PXP');
    const b = box.seal('JBSWY3DPEHPK3PXP');
    expect(a).not.toContain('JBSWY3DPEHPK3PXP');
    expect(a).not.toBe(b);
    expect(box.open(a)).toBe('JBSWY3DPEHPK3PXP');
  });

  it('refuses a tampered ciphertext and a ciphertext from another key', () => {
    const box = createSecretBox(generateAppKey());
    const sealed = box.seal('secret');
    const parts = sealed.split('.');
    const ct = Buffer.from(parts[3]!, 'base64url');
    ct[0] = ct[0]! ^ 1;
    parts[3] = ct.toString('base64url');
    expect(() => box.open(parts.join('.'))).toThrow(/authentication/);
    expect(() => createSecretBox(generateAppKey()).open(sealed)).toThrow(/key/);
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => createSecretBox(Buffer.alloc(16).toString('base64'))).toThrow(/32 bytes/);
  });
});

describe('TOTP', () => {
  const secret = generateTotpSecret();
  const at = new Date('2026-02-01T10:00:10Z');

  it('accepts the current code and one step of drift, refuses older ones', () => {
    expect(verifyTotp(secret, totpCode(secret, at), { at, lastUsedStep: null })).not.toBeNull();
    expect(
      verifyTotp(secret, totpCode(secret, new Date(at.getTime() - 30_000)), { at, lastUsedStep: null }),
    ).not.toBeNull();
    expect(
      verifyTotp(secret, totpCode(secret, new Date(at.getTime() - 120_000)), { at, lastUsedStep: null }),
    ).toBeNull();
  });

  it('refuses a code reused, or older than the last one used', () => {
    const step = verifyTotp(secret, totpCode(secret, at), { at, lastUsedStep: null })!;
    expect(verifyTotp(secret, totpCode(secret, at), { at, lastUsedStep: step })).toBeNull();
    expect(
      verifyTotp(secret, totpCode(secret, new Date(at.getTime() - 30_000)), { at, lastUsedStep: step }),
    ).toBeNull();
  });

  it('refuses malformed codes', () => {
    for (const code of ['', '12345', '1234567', 'abcdef'])
      expect(verifyTotp(secret, code, { at, lastUsedStep: null })).toBeNull();
  });
});

describe('recovery codes', () => {
  it('ten distinct codes whose hash ignores case and dashes', () => {
    const codes = generateRecoveryCodes();
    expect(new Set(codes).size).toBe(10);
    expect(codes[0]).toMatch(/^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/);
    const box = createSecretBox(generateAppKey());
    expect(recoveryCodeHash(box, codes[0]!.toUpperCase().replace(/-/g, ' '))).toBe(recoveryCodeHash(box, codes[0]!));
  });

  it('are keyed: the stored value depends on the application key, and is HMAC over the old digest', () => {
    const [code] = generateRecoveryCodes(1);
    const box = createSecretBox(generateAppKey());
    const other = createSecretBox(generateAppKey());
    expect(recoveryCodeHash(box, code!)).toMatch(/^[0-9a-f]{64}$/);
    expect(recoveryCodeHash(box, code!)).not.toBe(recoveryCodeHash(other, code!));
    expect(recoveryCodeHash(box, code!)).not.toBe(legacyRecoveryCodeDigest(code!));
    // A row stored under the old scheme converts without the plain code.
    expect(upgradeRecoveryDigest(box, legacyRecoveryCodeDigest(code!))).toBe(recoveryCodeHash(box, code!));
  });

  it('the MAC sub-key is derived (HKDF), not the sealing key itself', () => {
    const key = generateAppKey();
    const box = createSecretBox(key);
    const rawKeyMac = createHmac('sha256', Buffer.from(key, 'base64')).update('x').digest('hex');
    expect(box.mac('recovery-codes', 'x')).not.toBe(rawKeyMac);
  });
});
