import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createFormTokens } from './token.ts';

describe('form tokens', () => {
  const key = randomBytes(32);
  let clock = 1_800_000_000_000;
  const tokens = createFormTokens({ key, minFillMs: 3000, maxAgeMs: 60_000, now: () => clock });

  it('accepts a token for its form once the minimum fill time has passed, and not before', () => {
    const token = tokens.issue('contact');
    expect(tokens.verify('contact', token)).toEqual({ ok: false, reason: 'too_fast' });
    clock += 3000;
    expect(tokens.verify('contact', token)).toMatchObject({
      ok: true,
      nonce: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
    });
  });

  it('refuses another form, an expired token, a tampered one and one signed with another key', () => {
    const token = tokens.issue('sign-in');
    clock += 5000;
    expect(tokens.verify('contact', token)).toEqual({ ok: false, reason: 'wrong_form' });
    // Changing the form name inside the token breaks the signature.
    expect(tokens.verify('contact', token.replace('v1.sign-in.', 'v1.contact.'))).toEqual({
      ok: false,
      reason: 'signature',
    });
    // Moving issued-at back to skip the fill time breaks it too.
    const [v, form, issued, nonce, mac] = token.split('.');
    expect(tokens.verify('sign-in', [v, form, String(Number(issued) - 10_000), nonce, mac].join('.'))).toEqual({
      ok: false,
      reason: 'signature',
    });
    const other = createFormTokens({ key: randomBytes(32), minFillMs: 0, maxAgeMs: 60_000, now: () => clock });
    expect(tokens.verify('sign-in', other.issue('sign-in'))).toEqual({ ok: false, reason: 'signature' });
    expect(tokens.verify('sign-in', 'garbage')).toEqual({ ok: false, reason: 'malformed' });
    clock += 60_000;
    expect(tokens.verify('sign-in', token)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses a key shorter than 32 bytes', () => {
    expect(() => createFormTokens({ key: randomBytes(16), minFillMs: 0, maxAgeMs: 1000 })).toThrow(/32 bytes/);
  });
});
