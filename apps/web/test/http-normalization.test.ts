import { sql } from '@mfiq/db';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, rawRequest, signUpOverHttp, startWeb, type RawResponse, type RunningWeb } from './harness.ts';

/**
 * Issue 11, the attacker's layer: every other spelling of a URL or method reaching the two HTTP
 * adapters (/api/trpc, /api/v1) and the pages gives either the canonical spelling's own result or
 * the documented refusal (400 malformed, 404 no such route, 405 method, 413 body, 414 URL, 415 body
 * type, 431 headers): never a bypass, never a 5xx. See ADR 0103.
 */
let tdb: TestDatabase;
let web: RunningWeb;
let user: Awaited<ReturnType<typeof signUpOverHttp>>;
let other: Awaited<ReturnType<typeof signUpOverHttp>>;
let apiKey: string;

beforeAll(async () => {
  await ensureBuilt();
  tdb = await createTestDatabase();
  web = await startWeb({ APP_DATABASE_URL: tdb.urls.app });
  user = await signUpOverHttp(web.url, 'spelling', tdb);
  other = await signUpOverHttp(web.url, 'other', tdb);
  const page = await fetch(`${web.url}/orgs/${user.slug}/settings/api-keys`, {
    method: 'POST',
    headers: { cookie: user.cookie, origin: web.url, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams([
      ['intent', 'create'],
      ['name', 'spellings'],
      ['scopes', 'data:write'],
      ['scopes', 'metrics:read'],
    ]),
  });
  apiKey = /mfiq_[A-Za-z0-9_-]{43}/.exec(await page.text())?.[0] ?? '';
  expect(apiKey).toBeTruthy();
}, 240_000);

afterAll(async () => {
  await web?.stop();
  await tdb?.drop();
});

const input = (json: unknown) => encodeURIComponent(JSON.stringify({ json }));
const send = (path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}) =>
  rawRequest(web.url, { ...opts, path });

function expectNo5xx(res: RawResponse, what: string) {
  expect(res.status, what).toBeGreaterThanOrEqual(200);
  expect(res.status, what).toBeLessThan(500);
}

/** The canonical spelling's result, without what differs per request (request ids). */
const comparable = (res: RawResponse) => ({ status: res.status, body: res.body.replace(/"requestId":"[^"]+"/g, '') });

type Expected = 'same' | 400 | 404;

/** Other spellings of `/api/trpc/org.get`; the query string is appended to each. */
const TRPC_SPELLINGS: [string, Expected][] = [
  ['/api/trpc/org.get/', 'same'],
  ['/api/trpc/./org.get', 'same'],
  ['/api/trpc/x/../org.get', 'same'],
  ['/api/trpc/%2e/org.get', 'same'],
  ['/api/trpc/org%2Eget', 'same'],
  ['/API/TRPC/org.get', 'same'],
  ['/api/trpc//org.get', 404],
  ['/api//trpc/org.get', 404],
  ['/api/trpc%2Forg.get', 404],
  ['/api/trpc/org.get%2F', 404],
  ['/api/trpc/ORG.GET', 404],
  ['/api/trpc/org.get;v=1', 404],
  ['/api/trpc/org.get%00', 404],
  ['/api/trpc/org%E0%A4%A.get', 400],
];

describe('/api/trpc: spellings of a procedure path', () => {
  it.each([
    ['signed in', () => user.cookie],
    ['signed out', () => ''],
  ])('%s: each spelling answers like the canonical one or with the documented refusal', async (_who, cookie) => {
    const query = `?input=${input({ slug: user.slug })}`;
    const headers: Record<string, string> = cookie() ? { cookie: cookie() } : {};
    const canonical = await send(`/api/trpc/org.get${query}`, { headers });
    expect(canonical.status).toBe(cookie() ? 200 : 401);
    for (const [path, expected] of TRPC_SPELLINGS) {
      const res = await send(`${path}${query}`, { headers });
      expectNo5xx(res, path);
      if (expected === 'same') expect(comparable(res), path).toEqual(comparable(canonical));
      else {
        expect(res.status, path).toBe(expected);
        expect(res.body, path).not.toContain(`"slug":"${user.slug}"`);
      }
    }
  });

  it('a batch answers each procedure on its own: the protected one refused, never its data', async () => {
    const batch = (procedures: string, inputs: unknown[], cookie?: string) =>
      send(
        `/api/trpc/${procedures}?batch=1&input=${encodeURIComponent(JSON.stringify(Object.fromEntries(inputs.map((json, i) => [i, { json }]))))}`,
        cookie ? { headers: { cookie } } : {},
      );
    // Signed out: a protected and a public query together.
    let res = await batch('org.get,forms.publicGet', [{ slug: user.slug }, { token: 'x'.repeat(43) }]);
    expectNo5xx(res, 'signed-out batch');
    let items = JSON.parse(res.body) as { error?: { json: { data: { code: string } } }; result?: unknown }[];
    expect(items[0]?.error?.json.data.code).toBe('UNAUTHORIZED');
    expect(items[1]?.error?.json.data.code).toBe('NOT_FOUND');
    expect(res.body).not.toContain(`"slug":"${user.slug}"`);
    // Signed in: one's own organization next to another tenant's.
    res = await batch('org.get,org.get', [{ slug: user.slug }, { slug: other.slug }], user.cookie);
    expectNo5xx(res, 'cross-tenant batch');
    items = JSON.parse(res.body) as typeof items;
    expect(items[0]?.result).toBeTruthy();
    expect(items[1]?.error?.json.data.code).toBe('NOT_FOUND');
    expect(res.body).not.toContain(`"slug":"${other.slug}"`);
    // A batch may not smuggle a mutation into a GET, alone (405) or next to a query (400: types mixed).
    const before = await metricCount();
    const create = { slug: user.slug, key: 'smuggled', name: 'S' };
    expect((await batch('metrics.create', [create], user.cookie)).status).toBe(405);
    expect((await batch('org.get,metrics.create', [{ slug: user.slug }, create], user.cookie)).status).toBe(400);
    expect(await metricCount()).toBe(before);
  });

  it('the form-only procedures stay out of reach in every spelling, alone or batched', async () => {
    const before = await contactCount();
    const body = (n: number) =>
      JSON.stringify(
        Object.fromEntries(
          Array.from({ length: n }, (_, i) => [
            i,
            { json: { name: 'Bot', email: 'bot@example.com', topic: 'sales', message: 'Buy cheap things today!' } },
          ]),
        ),
      );
    for (const path of [
      '/api/trpc/contact.submit',
      '/api/trpc/contact.submit/',
      '/api/trpc/./contact.submit',
      '/api/trpc/contact%2Esubmit',
      '/API/TRPC/contact.submit',
      '/api/trpc/contact.submit?batch=1',
      '/api/trpc/auth.me,contact.submit?batch=1',
      '/api/trpc/contact.submit/?batch=1',
    ]) {
      const batched = path.includes('batch=1');
      const res = await send(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: web.url, cookie: user.cookie },
        body: batched ? body(path.includes(',') ? 2 : 1) : JSON.stringify({ json: JSON.parse(body(1))['0'].json }),
      });
      expectNo5xx(res, path);
      expect(res.body, path).not.toContain('"result"');
    }
    expect(await contactCount()).toBe(before);
  });
});

describe('/api/trpc: methods', () => {
  const query = () => `/api/trpc/org.get?input=${input({ slug: user.slug })}`;

  it('HEAD answers like GET without a body; other methods are 405; unknown ones never reach the app', async () => {
    const get = await send(query(), { headers: { cookie: user.cookie } });
    const head = await send(query(), { method: 'HEAD', headers: { cookie: user.cookie } });
    expect(head.status).toBe(get.status);
    expect(head.body).toBe('');
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'PROPFIND', 'MKCOL', 'LOCK']) {
      const res = await send(query(), {
        method,
        headers: { cookie: user.cookie, origin: web.url, 'content-type': 'application/json' },
        body: method === 'TRACE' ? undefined : '{}',
      });
      expect(res.status, method).toBe(405);
    }
  });

  it('a mutation over GET is refused and changes nothing', async () => {
    const before = await metricCount();
    const res = await send(`/api/trpc/metrics.create?input=${input({ slug: user.slug, key: 'via_get', name: 'G' })}`, {
      headers: { cookie: user.cookie },
    });
    expect(res.status).toBe(405);
    expect(await metricCount()).toBe(before);
  });
});

/** Other spellings of `/api/v1/metrics`. */
const REST_SPELLINGS: [string, Expected][] = [
  ['/api/v1/metrics/', 'same'],
  ['/api/v1/./metrics', 'same'],
  ['/api/v1/%2e/metrics', 'same'],
  ['/api/v1/x/../metrics', 'same'],
  ['/api/v1//metrics', 404],
  ['/api//v1/metrics', 404],
  ['/API/V1/metrics', 404],
  ['/api/v1/METRICS', 404],
  ['/api/v1/metrics%2F', 404],
  ['/api/v1/metrics;x', 404],
  ['/api/v1/metrics/%E0%A4%A/series', 400],
  ['/api/v1/metrics/%ZZ/series', 400],
];

describe('/api/v1: spellings and methods', () => {
  it.each([
    ['with an API key', () => ({ authorization: `Bearer ${apiKey}` }), 200],
    ['with no key', () => ({}), 401],
    // A browser session is not an API credential.
    ['with only a session cookie', () => ({ cookie: user.cookie }), 401],
  ] as const)(
    '%s: each spelling answers like the canonical one or with the documented refusal',
    async (_who, headers, status) => {
      const canonical = await send('/api/v1/metrics', { headers: headers() });
      expect(canonical.status).toBe(status);
      for (const [path, expected] of REST_SPELLINGS) {
        const res = await send(path, { headers: headers() });
        expectNo5xx(res, path);
        if (expected === 'same') expect(comparable(res), path).toEqual(comparable(canonical));
        else expect(res.status, path).toBe(expected);
      }
    },
  );

  it('documented methods: GET/HEAD to read, POST to push; 405 with Allow otherwise', async () => {
    const auth = { authorization: `Bearer ${apiKey}` };
    const head = await send('/api/v1/metrics', { method: 'HEAD', headers: auth });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'PROPFIND']) {
      const res = await send('/api/v1/metrics', { method, headers: { ...auth, origin: web.url } });
      expect(res.status, method).toBe(405);
      expect(res.headers.allow, method).toBeTruthy();
    }
    for (const method of ['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE']) {
      const res = await send('/api/v1/points', { method, headers: { ...auth, origin: web.url } });
      expect(res.status, method).toBe(405);
      expect(res.headers.allow, method).toBe('POST');
    }
    const push = await send('/api/v1/points', {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ points: [] }),
    });
    expectNo5xx(push, 'push');
  });

  it('a body over 1 MB is a 413 and writes nothing', async () => {
    const res = await send('/api/v1/points', {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ points: [], pad: 'x'.repeat(1100 * 1024) }),
    });
    expect(res.status).toBe(413);
  });
});

describe('pages: methods and bodies', () => {
  it('pages take GET, HEAD and POST; other methods are 405 with Allow', async () => {
    const head = await send('/login', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    for (const method of ['PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'PROPFIND']) {
      for (const path of ['/login', `/orgs/${user.slug}/settings`, '/no/such/page']) {
        const res = await send(path, { method, headers: { cookie: user.cookie, origin: web.url } });
        expect(res.status, `${method} ${path}`).toBe(405);
        expect(res.headers.allow, `${method} ${path}`).toBe('GET, HEAD, POST');
      }
    }
  });

  it('a page action gets a form or nothing: other bodies are 415, a broken multipart body is 400', async () => {
    const before = await sql<{ name: string }>`select name from organizations where slug = ${user.slug}`.execute(
      tdb.owner,
    );
    const post = (headers: Record<string, string>, body?: string) =>
      send(`/orgs/${user.slug}/settings`, {
        method: 'POST',
        headers: { cookie: user.cookie, origin: web.url, ...headers },
        body,
      });
    for (const type of ['application/json', 'text/plain', 'application/xml', 'text/html'])
      expect((await post({ 'content-type': type }, '{"name":"Changed"}')).status, type).toBe(415);
    for (const type of ['multipart/form-data', 'multipart/form-data; boundary=xyz'])
      expect((await post({ 'content-type': type }, 'name=Changed&garbage%E0%A4%A')).status, type).toBe(400);
    // No body at all is an empty form: the page answers it like any incomplete form.
    for (const path of ['/login', '/signup', '/contact', `/orgs/${user.slug}/settings`]) {
      const res = await send(path, { method: 'POST', headers: { cookie: user.cookie, origin: web.url } });
      expectNo5xx(res, path);
    }
    const after = await sql<{ name: string }>`select name from organizations where slug = ${user.slug}`.execute(
      tdb.owner,
    );
    expect(after.rows).toEqual(before.rows);
  });
});

describe('oversized requests', () => {
  it('a URL over 8 kB is a 414, headers over 16 kB a 431', async () => {
    expect(
      (await send(`/api/trpc/org.get?input=${'x'.repeat(9 * 1024)}`, { headers: { cookie: user.cookie } })).status,
    ).toBe(414);
    expect((await send(`/login?q=${'x'.repeat(9 * 1024)}`)).status).toBe(414);
    expect((await send(`/api/v1/metrics?q=${'x'.repeat(20 * 1024)}`)).status).toBe(431);
    expect((await send('/login', { headers: { 'x-padding': 'x'.repeat(20 * 1024) } })).status).toBe(431);
    // And the server is fine afterwards.
    expect((await send('/login')).status).toBe(200);
  });
});

async function metricCount(): Promise<number> {
  return (await sql<{ n: number }>`select count(*)::int as n from metrics`.execute(tdb.owner)).rows[0]!.n;
}

async function contactCount(): Promise<number> {
  return (await sql<{ n: number }>`select count(*)::int as n from contact_messages`.execute(tdb.owner)).rows[0]!.n;
}
