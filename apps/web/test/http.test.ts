import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { sql, withTenant } from '@mfiq/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cookieJar,
  ensureBuilt,
  PASSWORD,
  postForm,
  runWebExpectingExit,
  signUpOverHttp,
  startWeb,
  type RunningWeb,
} from './harness.ts';

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

const get = (path: string, cookie?: string) =>
  fetch(`${web.url}${path}`, { redirect: 'manual', headers: cookie ? { cookie } : {} });

async function sessionCount(): Promise<number> {
  const r = await sql<{ n: number }>`select count(*)::int as n from sessions`.execute(tdb.owner);
  return r.rows[0]?.n ?? -1;
}

describe('health', () => {
  it('/healthz answers 200 while the process is alive', async () => {
    const res = await get('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('/readyz answers 200 when the database is reachable and migrations are current', async () => {
    const res = await get('/readyz');
    const body = (await res.json()) as unknown;
    expect(body).toEqual({ status: 'ready', checks: { database: 'ok', migrations: 'ok' } });
    expect(res.status).toBe(200);
  });
});

describe('signed-out and cross-tenant visits', () => {
  it('a signed-out visit to an organization page redirects to /login with next', async () => {
    const res = await get('/orgs/x/settings');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/login?next=%2Forgs%2Fx%2Fsettings');
  });

  it("a member of A visiting B's slug gets 404, the same as for a slug that does not exist", async () => {
    const a = await signUpOverHttp(web.url, 'alpha', tdb);
    const b = await signUpOverHttp(web.url, 'beta', tdb);
    const own = await get(`/orgs/${a.slug}`, a.cookie);
    expect(own.status).toBe(200);
    const other = await get(`/orgs/${b.slug}`, a.cookie);
    expect(other.status).toBe(404);
    const otherSettings = await get(`/orgs/${b.slug}/settings`, a.cookie);
    expect(otherSettings.status).toBe(404);
    const missing = await get('/orgs/no-such-org', a.cookie);
    expect(missing.status).toBe(404);
    const otherHtml = await other.text();
    expect(otherHtml).toContain('Page not found');
    expect(otherHtml).not.toContain(b.slug.replace(/-/g, ' '));
    // Through the API as well: NOT_FOUND, not FORBIDDEN.
    const api = await get(
      `/api/trpc/org.get?input=${encodeURIComponent(JSON.stringify({ json: { slug: b.slug } }))}`,
      a.cookie,
    );
    expect(api.status).toBe(404);
  });

  it('a viewer sees settings read-only and cannot save them (403)', async () => {
    const owner = await signUpOverHttp(web.url, 'owner', tdb);
    const viewer = await signUpOverHttp(web.url, 'viewer', tdb);
    const org = await tdb.owner
      .selectFrom('organizations')
      .select('tenantId')
      .where('slug', '=', owner.slug)
      .executeTakeFirstOrThrow();
    const user = await tdb.owner
      .selectFrom('users')
      .select('id')
      .where('email', '=', viewer.email)
      .executeTakeFirstOrThrow();
    await withTenant(tdb.owner, { tenantId: org.tenantId }, (trx) =>
      trx.insertInto('memberships').values({ tenantId: org.tenantId, userId: user.id, role: 'viewer' }).execute(),
    );
    const page = await get(`/orgs/${owner.slug}/settings`, viewer.cookie);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('only owners and admins can change them');
    expect(html).toMatch(/<fieldset disabled=""/);
    expect(html).not.toContain('Save settings');

    const save = await fetch(`${web.url}/orgs/${owner.slug}/settings`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: viewer.cookie, origin: web.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ name: 'Hijacked', timezone: 'UTC', weekStart: '1' }),
    });
    expect(save.status).toBe(403);
    const after = await tdb.owner
      .selectFrom('organizations')
      .select('name')
      .where('slug', '=', owner.slug)
      .executeTakeFirstOrThrow();
    expect(after.name).not.toBe('Hijacked');
  });

  it('sign-in honours next only for same-site paths', async () => {
    const user = await signUpOverHttp(web.url, 'next', tdb);
    const signIn = (next: string) => postForm(web.url, '/login', { email: user.email, password: PASSWORD, next });
    expect((await signIn(`/orgs/${user.slug}/settings`)).headers.get('location')).toBe(`/orgs/${user.slug}/settings`);
    for (const evil of [
      'https://evil.example/x',
      '//evil.example/x',
      '/\\evil.example',
      'javascript:alert(1)',
      '/.//evil.example/x',
      '/%2f%2fevil.example',
      '/\t/evil.example',
    ]) {
      const res = await signIn(evil);
      expect(res.status).toBe(302);
      // Wherever the browser resolves the Location, it stays on this origin (safe-next.test.ts has the corpus).
      expect(new URL(res.headers.get('location') ?? '', web.url).origin, evil).toBe(new URL(web.url).origin);
      expect(res.headers.get('location'), evil).toBe('/');
    }
  });

  it('a wrong password shows one generic message and sets no session', async () => {
    const user = await signUpOverHttp(web.url, 'wrong', tdb);
    const res = await postForm(web.url, '/login', { email: user.email, password: 'not the password' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Email or password is incorrect.');
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it('unknown pages answer 404 with the error page', async () => {
    const res = await get('/no/such/page');
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('Page not found');
  });
});

describe('CSRF: state-changing requests from another origin are refused', () => {
  it('POST /logout with a foreign Origin gets 403 and the session stays valid', async () => {
    const user = await signUpOverHttp(web.url, 'csrf', tdb);
    const res = await fetch(`${web.url}/logout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: user.cookie, origin: 'http://evil.example' },
    });
    expect(res.status).toBe(403);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect((await get(`/orgs/${user.slug}`, user.cookie)).status).toBe(200);

    // Without Origin, Sec-Fetch-Site decides.
    const crossSite = await fetch(`${web.url}/logout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: user.cookie, 'sec-fetch-site': 'cross-site' },
    });
    expect(crossSite.status).toBe(403);
    expect((await get(`/orgs/${user.slug}`, user.cookie)).status).toBe(200);

    // The same request from this origin signs out, and the old cookie no longer works.
    const own = await fetch(`${web.url}/logout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: user.cookie, origin: web.url },
    });
    expect(own.status).toBe(302);
    expect(own.headers.get('location')).toBe('/login');
    expect(own.headers.getSetCookie().join('\n')).toMatch(/Max-Age=0|Expires=Thu, 01 Jan 1970/i);
    expect((await get(`/orgs/${user.slug}`, user.cookie)).status).toBe(302);
  });

  it('POST /login with a foreign Origin gets 403 and creates no session', async () => {
    const user = await signUpOverHttp(web.url, 'csrf-api', tdb);
    const before = await sessionCount();
    const fields = { email: user.email, password: PASSWORD };
    const res = await postForm(web.url, '/login', fields, { headers: { origin: 'https://evil.example' } });
    expect(res.status).toBe(403);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(await sessionCount()).toBe(before);

    const nullOrigin = await postForm(web.url, '/login', fields, { headers: { origin: 'null' } });
    expect(nullOrigin.status).toBe(403);
    expect(await sessionCount()).toBe(before);

    // Same origin: signs in (the control for the two refusals above).
    const ok = await postForm(web.url, '/login', fields);
    expect(ok.status).toBe(302);
    expect(cookieJar(ok)).toMatch(/^mfiq_session=/);
    expect(await sessionCount()).toBe(before + 1);
    expect(ok.headers.get('cache-control')).toBe('no-store');
  });

  it('no spelling of /api/trpc reaches a form-only procedure: slashes, encodings, case, batches, GET or POST', async () => {
    const user = await signUpOverHttp(web.url, 'formonly', tdb);
    const counts = async () => {
      const r = await sql<{
        sessions: number;
        messages: number;
        resets: number;
        users: number;
      }>`select (select count(*)::int from sessions) as sessions, (select count(*)::int from contact_messages) as messages,
           (select count(*)::int from email_outbox where kind = 'password_reset') as resets,
           (select count(*)::int from users) as users`.execute(tdb.owner);
      return r.rows[0];
    };
    const before = await counts();
    const inputs: Record<string, unknown> = {
      'auth.signIn': { email: user.email, password: PASSWORD },
      'auth.signUp': { email: 'bypass@example.com', password: PASSWORD, displayName: 'B', organizationName: 'Bypass' },
      'auth.requestPasswordReset': { email: user.email },
      'contact.submit': { name: 'Bot', email: 'bot@example.com', topic: 'sales', message: 'Buy now, buy now' },
    };
    const spellings = (p: string) => [
      p,
      `${p}/`,
      `${p}//`,
      `/${p}`,
      `${p}%2F`,
      p.replace('.', '%2E'),
      encodeURIComponent(p),
      p.replace(/[a-z]/, (c) => c.toUpperCase()),
      `./${p}`,
      `x/../${p}`,
      `${p};x`,
    ];
    const answers = new Map<string, number>();
    for (const [path, input] of Object.entries(inputs)) {
      for (const spelled of spellings(path)) {
        const post = await fetch(`${web.url}/api/trpc/${spelled}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: web.url },
          body: JSON.stringify({ json: input }),
        });
        answers.set(`POST ${spelled}`, post.status);
        const batched = await fetch(`${web.url}/api/trpc/auth.me,${spelled}?batch=1`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: web.url, cookie: user.cookie },
          body: JSON.stringify({ 0: {}, 1: { json: input } }),
        });
        // A batch answers per call: what counts is whether the form procedure's call was accepted.
        const items = (await batched.json().catch(() => null)) as { error?: unknown }[] | null;
        const second = Array.isArray(items) ? items[1] : undefined;
        answers.set(`batch ${spelled}`, second ? (second.error ? 403 : 200) : batched.status);
        const viaGet = await fetch(
          `${web.url}/api/trpc/${spelled}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`,
        );
        answers.set(`GET ${spelled}`, viaGet.status);
      }
    }
    // Refused (403), not found (404) or the wrong method (405): never accepted, never a 500.
    for (const [what, status] of answers) {
      expect([400, 403, 404, 405], what).toContain(status);
    }
    // The canonical spelling says why.
    const res = await fetch(`${web.url}/api/trpc/auth.signIn`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: web.url },
      body: JSON.stringify({ json: inputs['auth.signIn'] }),
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { json: { message: string } } }).error.json.message).toMatch(
      /only through its page's form/,
    );
    expect(await counts()).toEqual(before);
  });
});

describe('limits and errors', () => {
  it('a body over 100 kB gets 413 and changes nothing', async () => {
    const before = await sessionCount();
    const res = await fetch(`${web.url}/api/trpc/auth.signIn`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: web.url },
      body: JSON.stringify({ json: { email: 'a@example.com', password: 'x'.repeat(150 * 1024) } }),
    });
    expect(res.status).toBe(413);
    expect(await sessionCount()).toBe(before);
    const form = await fetch(`${web.url}/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: web.url },
      body: `displayName=${'y'.repeat(120 * 1024)}`,
    });
    expect(form.status).toBe(413);
  });

  it('a NUL byte in any input is a 400, never a 500 (found by the security scan)', async () => {
    const user = await signUpOverHttp(web.url, 'nul', tdb);
    const audit = await fetch(`${web.url}/orgs/${user.slug}/audit?actor=%2Fe%00`, { headers: { cookie: user.cookie } });
    expect(audit.status).toBe(400);
    const login = await postForm(web.url, '/login', { email: 'a\u0000@example.com', password: 'x' });
    expect(login.status).toBe(400);
  });

  it('invalid sign-up input comes back as field errors, never a 500', async () => {
    const res = await postForm(web.url, '/signup', { email: 'not-an-email', displayName: '', organizationName: '' });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('Enter a valid email address');
    expect(html).toContain('Name is required');
    expect(html).toContain('Organization name is required');
    expect(html).toMatch(/id="email-error"/);
  });

  it('request logs carry a request id and never the session cookie', async () => {
    const user = await signUpOverHttp(web.url, 'logs', tdb);
    const res = await get(`/orgs/${user.slug}`, user.cookie);
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await new Promise((r) => setTimeout(r, 100));
    const line = web.logs.find((l) => l.reqId === id);
    expect(line).toMatchObject({ msg: 'request completed', res: { statusCode: 200 } });
    expect((line as { req: { headers: { cookie: string } } }).req.headers.cookie).toBe('[redacted]');
    const token = user.cookie.split('=')[1] ?? '';
    expect(token.length).toBeGreaterThan(20);
    expect(web.rawLogs()).not.toContain(token);
  });
});

describe('configuration', () => {
  // Each variable's rules are unit-tested in app/config.server.test.ts; this is the process exit.
  it('a bad value stops start-up with a message naming the variable', async () => {
    const result = await runWebExpectingExit({ APP_DATABASE_URL: tdb.urls.app, PORT: 'eighty' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^web: Invalid configuration:\n {2}- PORT /);
  });

  it('production refuses to start without its keys, naming each variable (no key is made up)', async () => {
    const result = await runWebExpectingExit({
      APP_DATABASE_URL: tdb.urls.app,
      APP_ENCRYPTION_KEY: '',
      FORM_SECRET: '',
      BACKUP_KEYS: '',
    });
    expect(result.code).toBe(1);
    for (const name of ['APP_ENCRYPTION_KEY', 'FORM_SECRET', 'BACKUP_KEYS'])
      expect(result.stderr).toMatch(new RegExp(`- ${name} is required in production`));
  });
});
