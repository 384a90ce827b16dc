import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Signed form tokens: `v1.<form>.<issuedAtMs>.<nonce>.<mac>`, mac = HMAC-SHA256 over the first four
 * parts. The token proves the form was fetched from us at issuedAt, so a submission sooner than the
 * minimum fill time, for another form, or after maxAge is refused; the nonce makes it single use
 * (nonces.ts remembers the used ones until the token would expire anyway).
 */
type TokenCheck =
  | { ok: true; nonce: string; expiresAt: Date }
  | { ok: false; reason: 'malformed' | 'signature' | 'wrong_form' | 'too_fast' | 'expired' };

const FORM = /^[a-z][a-z0-9-]{0,31}$/;
const TOKEN = /^v1\.([a-z][a-z0-9-]{0,31})\.(\d{13})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/;

export interface FormTokens {
  issue(form: string): string;
  verify(form: string, token: string): TokenCheck;
}

export function createFormTokens(opts: {
  key: Buffer;
  minFillMs: number;
  maxAgeMs: number;
  now?: () => number;
}): FormTokens {
  if (opts.key.length < 32) throw new RangeError('form token key must be at least 32 bytes');
  const now = opts.now ?? Date.now;
  const mac = (body: string) => createHmac('sha256', opts.key).update(body).digest('base64url');
  return {
    issue(form) {
      if (!FORM.test(form)) throw new Error(`invalid form id ${form}`);
      const body = `v1.${form}.${now()}.${randomBytes(16).toString('base64url')}`;
      return `${body}.${mac(body)}`;
    },
    verify(form, token) {
      const m = TOKEN.exec(token);
      if (!m) return { ok: false, reason: 'malformed' };
      const [, tokenForm, issuedRaw, nonce, sig] = m as unknown as [string, string, string, string, string];
      const expected = Buffer.from(mac(`v1.${tokenForm}.${issuedRaw}.${nonce}`));
      const given = Buffer.from(sig);
      if (expected.length !== given.length || !timingSafeEqual(expected, given))
        return { ok: false, reason: 'signature' };
      if (tokenForm !== form) return { ok: false, reason: 'wrong_form' };
      const issuedAt = Number(issuedRaw);
      const age = now() - issuedAt;
      if (age < opts.minFillMs) return { ok: false, reason: 'too_fast' };
      if (age > opts.maxAgeMs) return { ok: false, reason: 'expired' };
      return { ok: true, nonce, expiresAt: new Date(issuedAt + opts.maxAgeMs) };
    },
  };
}
