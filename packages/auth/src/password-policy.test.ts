import { describe, expect, it } from 'vitest';
import { breachedPasswords } from './breached-passwords.ts';
import { BREACHED_PASSWORD_MESSAGE, passwordPolicyError } from './index.ts';

describe('passwordPolicyError', () => {
  it('accepts a reasonable password', () => {
    expect(passwordPolicyError('violet-tractor-1987')).toBeNull();
    expect(passwordPolicyError('violet-tractor-1987', { email: 'alice@example.com' })).toBeNull();
  });

  it('refuses fewer than 8 characters with a clear message', () => {
    expect(passwordPolicyError('Ab3$xyz')).toBe('Password must be at least 8 characters long.');
    expect(passwordPolicyError('')).toBe('Password must be at least 8 characters long.');
    expect(passwordPolicyError('Ab3$xyzq')).toBeNull();
  });

  it('refuses more than 128 characters with a clear message', () => {
    expect(passwordPolicyError('x9'.repeat(64))).toBeNull();
    expect(passwordPolicyError(`${'x9'.repeat(64)}z`)).toBe('Password must be at most 128 characters long.');
  });

  it('counts Unicode code points, not UTF-16 units', () => {
    // 7 emoji are 14 UTF-16 units: too short in code points.
    expect(passwordPolicyError('🦊'.repeat(7))).toMatch(/at least 8/);
    expect(passwordPolicyError('🦊'.repeat(8))).toBeNull();
    // 128 emoji are 256 UTF-16 units: still within the limit.
    expect(passwordPolicyError('🦊'.repeat(128))).toBeNull();
    expect(passwordPolicyError('🦊'.repeat(129))).toMatch(/at most 128/);
  });

  it('refuses passwords from breach corpora, whatever their case, with a message that says why', () => {
    // Each of these passes the length rule and was on the old hand list or is not: the list is the point.
    for (const pw of [
      'password',
      'Password1',
      'QWERTYUIOP',
      'iloveyou',
      '123456789',
      'trustno1',
      'letmein123',
      'football1',
      'sunshine',
      '1qaz2wsx3edc',
      'zaq12wsx',
      'michelle1',
    ])
      expect(passwordPolicyError(pw), pw).toBe(BREACHED_PASSWORD_MESSAGE);
    expect(BREACHED_PASSWORD_MESSAGE).toMatch(/leaked in data breaches/);
  });

  it('refuses the email address as the password', () => {
    expect(passwordPolicyError('alice@example.com', { email: 'alice@example.com' })).toBe(
      'Password must not be your email address.',
    );
    expect(passwordPolicyError('Alice@Example.COM', { email: ' alice@example.com ' })).toBe(
      'Password must not be your email address.',
    );
    expect(passwordPolicyError('alice@example.com')).toBeNull();
    expect(passwordPolicyError('alice@example.com', { email: 'bob@example.com' })).toBeNull();
  });

  it('checks against tens of thousands of breached passwords shipped in the package, built into one Set once', () => {
    const list = breachedPasswords();
    expect(list.size).toBeGreaterThan(40_000);
    // Built once per process: every check after the first is a lookup in the same Set.
    expect(breachedPasswords()).toBe(list);
    expect([...list].filter((entry) => entry !== entry.toLowerCase())).toEqual([]);
    // A long random passphrase is not on it.
    expect(passwordPolicyError('violet-tractor-1987-quietly')).toBeNull();
  });
});
