import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuth, type Auth } from './index.ts';

let tdb: TestDatabase;
let userId: string;
beforeAll(async () => {
  tdb = await createTestDatabase();
  const row = await tdb.app
    .insertInto('users')
    .values({ email: 'cookie@example.com', displayName: 'Cookie', passwordHash: 'unused' })
    .returning('id')
    .executeTakeFirstOrThrow();
  userId = row.id;
});
afterAll(async () => {
  await tdb?.drop();
});

/** Splits a Set-Cookie value into its name=value and a lowercase attribute map. */
function parseSetCookie(header: string) {
  const [pair = '', ...rest] = header.split(';').map((p) => p.trim());
  const eq = pair.indexOf('=');
  const attributes = new Map<string, string>();
  for (const a of rest) {
    const i = a.indexOf('=');
    attributes.set((i < 0 ? a : a.slice(0, i)).toLowerCase(), i < 0 ? '' : a.slice(i + 1));
  }
  return { name: pair.slice(0, eq), value: pair.slice(eq + 1), attributes };
}

describe('session cookie', () => {
  it('over HTTPS: __Host- prefix, Secure, HttpOnly, SameSite=Lax, Path=/, no Domain, Max-Age of the absolute lifetime', async () => {
    const auth = createAuth({ db: tdb.app, secure: true });
    expect(auth.cookieName).toBe('__Host-mfiq_session');
    const { token, cookie } = await auth.createSession(userId, { ip: null, userAgent: null });
    const c = parseSetCookie(cookie);
    expect(c.name).toBe('__Host-mfiq_session');
    expect(c.value).toBe(token);
    expect([...c.attributes.keys()].sort()).toEqual(['httponly', 'max-age', 'path', 'samesite', 'secure']);
    expect(c.attributes.get('samesite')).toBe('Lax');
    expect(c.attributes.get('path')).toBe('/');
    expect(c.attributes.get('max-age')).toBe(String(7 * 24 * 60 * 60));
  });

  it('over plain http: no prefix and no Secure', async () => {
    const auth = createAuth({ db: tdb.app, secure: false, absoluteLifetimeMs: 12 * 60 * 60 * 1000 });
    expect(auth.cookieName).toBe('mfiq_session');
    const { token, cookie } = await auth.createSession(userId, { ip: null, userAgent: null });
    const c = parseSetCookie(cookie);
    expect(c.name).toBe('mfiq_session');
    expect(c.value).toBe(token);
    expect([...c.attributes.keys()].sort()).toEqual(['httponly', 'max-age', 'path', 'samesite']);
    expect(c.attributes.get('max-age')).toBe(String(12 * 60 * 60));
  });

  it('the blank cookie expires the same cookie with the same flags', () => {
    for (const secure of [true, false]) {
      const auth = createAuth({ db: tdb.app, secure });
      const c = parseSetCookie(auth.blankSessionCookie());
      expect(c.name).toBe(auth.cookieName);
      expect(c.value).toBe('');
      expect(c.attributes.get('max-age')).toBe('0');
      expect(c.attributes.has('httponly')).toBe(true);
      expect(c.attributes.get('path')).toBe('/');
      expect(c.attributes.get('samesite')).toBe('Lax');
      expect(c.attributes.has('secure')).toBe(secure);
      expect(c.attributes.has('domain')).toBe(false);
    }
  });
});

describe('readSessionToken', () => {
  const token = 'abcdefghijklmnopqrstuvwxyz234567abcdefgh';
  let secure: Auth;
  let plain: Auth;
  beforeAll(() => {
    secure = createAuth({ db: tdb.app, secure: true });
    plain = createAuth({ db: tdb.app, secure: false });
  });

  it('reads the token a created session cookie carries', async () => {
    const created = await secure.createSession(userId, { ip: null, userAgent: null });
    const pair = created.cookie.split(';')[0] ?? '';
    expect(secure.readSessionToken(pair)).toBe(created.token);
  });

  it('returns null without a header or without our cookie', () => {
    expect(plain.readSessionToken(null)).toBeNull();
    expect(plain.readSessionToken('')).toBeNull();
    expect(plain.readSessionToken('theme=dark; lang=en')).toBeNull();
    expect(plain.readSessionToken('mfiq_session_old=' + token)).toBeNull();
    expect(plain.readSessionToken('xmfiq_session=' + token)).toBeNull();
  });

  it('finds it among other cookies, however they are separated', () => {
    expect(plain.readSessionToken(`mfiq_session=${token}`)).toBe(token);
    expect(plain.readSessionToken(`theme=dark; mfiq_session=${token}; lang=en`)).toBe(token);
    expect(plain.readSessionToken(`theme=dark;mfiq_session=${token};lang=en`)).toBe(token);
    expect(plain.readSessionToken(`  mfiq_session = ${token} ;`)).toBe(token);
    expect(plain.readSessionToken(`;;mfiq_session="${token}"`)).toBe(token);
  });

  it('refuses malformed values', () => {
    expect(plain.readSessionToken('mfiq_session')).toBeNull();
    expect(plain.readSessionToken('mfiq_session=')).toBeNull();
    expect(plain.readSessionToken(`mfiq_session=${token.slice(1)}`)).toBeNull();
    expect(plain.readSessionToken(`mfiq_session=${token}a`)).toBeNull();
    expect(plain.readSessionToken(`mfiq_session=${token.toUpperCase()}`)).toBeNull();
    expect(plain.readSessionToken(`mfiq_session=${token.slice(0, 39)}%`)).toBeNull();
    expect(plain.readSessionToken('mfiq_session=%E0%A4%A')).toBeNull();
    expect(plain.readSessionToken(`mfiq_session=${token}=`)).toBeNull();
  });

  it('with duplicates, takes the first well-formed one', () => {
    const other = 'zyxwvutsrqponmlkjihgfedcba765432zyxwvuts';
    expect(plain.readSessionToken(`mfiq_session=garbage; mfiq_session=${token}`)).toBe(token);
    expect(plain.readSessionToken(`mfiq_session=${other}; mfiq_session=${token}`)).toBe(other);
  });

  it('reads only the cookie name of its own mode', () => {
    expect(secure.readSessionToken(`mfiq_session=${token}`)).toBeNull();
    expect(secure.readSessionToken(`__Host-mfiq_session=${token}`)).toBe(token);
    expect(plain.readSessionToken(`__Host-mfiq_session=${token}`)).toBeNull();
  });
});
