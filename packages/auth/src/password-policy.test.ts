import { describe, expect, it } from 'vitest';
import { COMMON_PASSWORDS } from './common-passwords.ts';
import { passwordPolicyError } from './index.ts';

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

  it('refuses common passwords, whatever their case', () => {
    const message = 'This password is one of the most commonly used passwords. Please choose a less guessable one.';
    expect(passwordPolicyError('password')).toBe(message);
    expect(passwordPolicyError('Password1')).toBe(message);
    expect(passwordPolicyError('QWERTYUIOP')).toBe(message);
    expect(passwordPolicyError('iloveyou')).toBe(message);
    expect(passwordPolicyError('123456789')).toBe(message);
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

  it('keeps a list of a few hundred lowercase entries the length rule would not catch', () => {
    expect(COMMON_PASSWORDS.size).toBeGreaterThanOrEqual(200);
    for (const entry of COMMON_PASSWORDS) {
      expect(entry).toBe(entry.toLowerCase());
      expect([...entry].length).toBeGreaterThanOrEqual(8);
    }
  });
});
