import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, signUpOverHttp, startWeb, type RunningWeb } from './harness.ts';

/**
 * The signed-out render of the public static pages is kept (server/page-cache.ts): each answer must
 * still carry its own request's CSP nonce, and nobody with a session may get the kept page.
 */
let tdb: TestDatabase;
let web: RunningWeb;

beforeAll(async () => {
  await ensureBuilt();
  tdb = await createTestDatabase();
  web = await startWeb({ APP_DATABASE_URL: tdb.urls.app });
}, 240_000);

afterAll(async () => {
  await web?.stop();
  await tdb?.drop();
});

/** The page's nonce attributes (all one value) and the nonce its CSP header allows. */
async function load(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${web.url}${path}`, { headers });
  expect(res.status).toBe(200);
  const html = await res.text();
  const inPage = new Set([...html.matchAll(/nonce="([^"]+)"/g)].map((m) => m[1]!));
  const inHeader = /'nonce-([^']+)'/.exec(res.headers.get('content-security-policy') ?? '')?.[1];
  return { html, inPage, inHeader };
}

describe('public static pages for signed-out visitors', () => {
  it.each(['/security', '/', '/privacy', '/subprocessors'])(
    '%s: each answer carries its own nonce, matching its CSP header, and the same page otherwise',
    async (path) => {
      const first = await load(path);
      const second = await load(path);
      const third = await load(path);
      for (const page of [first, second, third]) {
        expect(page.inHeader).toMatch(/^[A-Za-z0-9+/]{22}==$/);
        // Every nonce attribute in the page is this request's, so its scripts run under its CSP.
        expect([...page.inPage]).toEqual([page.inHeader]);
      }
      expect(new Set([first.inHeader, second.inHeader, third.inHeader]).size).toBe(3);
      const blank = (p: { html: string; inHeader?: string }) => p.html.split(p.inHeader!).join('NONCE');
      expect(blank(second)).toBe(blank(first));
      expect(blank(third)).toBe(blank(first));
    },
  );

  it('a signed-in visitor gets their own page, never the kept signed-out one', async () => {
    const anonymous = await load('/security');
    expect(anonymous.html).toContain('Sign in');
    const { cookie } = await signUpOverHttp(web.url, 'cache', tdb);
    const signedIn = await load('/security', { cookie });
    expect(signedIn.html).toContain('Sign out');
    expect(signedIn.html).not.toContain('>Sign in<');
    expect([...signedIn.inPage]).toEqual([signedIn.inHeader]);
    // And the page kept for signed-out visitors did not pick up the signed-in header.
    const again = await load('/security');
    expect(again.html).not.toContain('Sign out');
    expect(again.html.split(again.inHeader!).join('N')).toBe(anonymous.html.split(anonymous.inHeader!).join('N'));
  });

  it('other spellings of the path carry their own nonce too', async () => {
    for (const path of ['/security?utm=1', '/security/']) {
      const page = await load(path);
      expect([...page.inPage]).toEqual([page.inHeader]);
    }
  });
});
