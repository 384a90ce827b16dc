import { createDb, sql, withTenant, type Database } from '@mfiq/db';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { type TRPCError } from '@trpc/server';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueFormPass } from './form-pass.ts';
import { createRestHandler } from './http/rest.ts';
import { ORGANIZATION_LOCKED } from './messages.ts';
import { createCaller } from './root.ts';
import { createHarness, snapshot, TEST_PASSWORD, type Harness } from './testing/harness.ts';

/**
 * Every way into a tenant, attacked: the form-only procedures from a context without the page's
 * pass, the lock on API keys, invitations and data forms, the pool under several times its size of
 * concurrent requests, and text the database cannot store (ADR 0081).
 */
let tdb: TestDatabase;
let h: Harness;
let small: Database;
let hs: Harness;
const POOL = 3;

beforeAll(async () => {
  tdb = await createTestDatabase();
  h = createHarness(tdb);
  small = createDb(tdb.urls.app, { max: POOL, acquireTimeoutMs: 20_000 });
  hs = createHarness(tdb, { db: small, apiKeyRateLimit: { points: 10_000, durationSec: 60 } });
});
afterAll(async () => {
  await h.close();
  await hs.close();
  await small.destroy();
  await tdb.drop();
});

const code = (p: Promise<unknown>) =>
  p.then(
    () => 'OK',
    (e: TRPCError) => e.code,
  );
const failure = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: TRPCError) => ({ code: e.code, message: e.message }),
  );

describe('form-only procedures (finding 2)', () => {
  const calls = {
    'auth.signUp': {
      email: 'bypass@example.com',
      password: TEST_PASSWORD,
      displayName: 'B',
      organizationName: 'Bypass',
    },
    'auth.signIn': { email: 'bypass@example.com', password: TEST_PASSWORD },
    'auth.requestPasswordReset': { email: 'bypass@example.com' },
    'auth.resetPassword': { token: 'a'.repeat(52), password: TEST_PASSWORD },
    'contact.submit': { name: 'B', email: 'bypass@example.com', topic: 'sales', message: 'Hello there' },
    'forms.submit': { token: 'a'.repeat(43), values: [] },
  } as const;
  type Path = keyof typeof calls;
  const invoke = (caller: unknown, path: Path) => {
    const [ns, name] = path.split('.') as [string, string];
    return (caller as Record<string, Record<string, (i: unknown) => Promise<unknown>>>)[ns]![name]!(calls[path]);
  };

  it('refuse a caller without the page pass, with a forged or foreign pass, and a spent pass; nothing is written', async () => {
    const before = await snapshot(tdb);
    const http = await h.asHttp();
    for (const path of Object.keys(calls) as Path[]) {
      expect(await failure(invoke(http, path)), path).toEqual({
        code: 'FORBIDDEN',
        message: "This is available only through its page's form.",
      });
      const base = await h.createContext({
        req: new Request('http://localhost/api/trpc'),
        resHeaders: new Headers(),
        clientIp: '198.51.100.1',
      });
      // A plain object shaped like a pass is not one: only the guard's passes are.
      const forged = createCaller({ ...base, formPass: Object.freeze({ form: 'contact' as const }) });
      expect(await code(invoke(forged, path)), `${path} forged`).toBe('FORBIDDEN');
      // A pass for another form does not open this one.
      const other = path === 'contact.submit' ? 'sign-up' : 'contact';
      const foreign = createCaller({ ...base, formPass: issueFormPass(other) });
      expect(await code(invoke(foreign, path)), `${path} foreign`).toBe('FORBIDDEN');
    }
    // A pass is good for one call: the second call with the same context is refused.
    const base = await h.createContext({
      req: new Request('http://localhost/'),
      resHeaders: new Headers(),
      clientIp: null,
    });
    const once = createCaller({ ...base, formPass: issueFormPass('contact') });
    expect(await code(invoke(once, 'contact.submit'))).toBe('OK');
    expect(await code(invoke(once, 'contact.submit'))).toBe('FORBIDDEN');
    const after = await snapshot(tdb);
    expect({ ...after, contact_messages: null }).toEqual({ ...before, contact_messages: null });
  });
});

describe('the organization lock on every way in (finding 5)', () => {
  it('refuses API keys (typed client and REST), invitations and data form links of a locked organization, and lets them work again once unlocked', async () => {
    const owner = await h.signUp('locked');
    const api = await h.as(owner.cookie);
    await api.metrics.create({ slug: owner.slug, key: 'signups', name: 'Signups' });
    const writer = (await h.createKey(owner.cookie, owner.slug, ['data:write', 'metrics:read'])).token;
    const form = await api.forms.create({ slug: owner.slug, name: 'Check-in', fields: [{ metricKey: 'signups' }] });
    const invitee = `invitee-${Date.now()}@example.com`;
    await api.members.invite({ slug: owner.slug, email: invitee, role: 'viewer' });
    const invitation = await h.tokenFromMail(invitee, 'invitation', '/invite');
    const { tenantId } = await tdb.owner
      .selectFrom('organizations')
      .select('tenantId')
      .where('slug', '=', owner.slug)
      .executeTakeFirstOrThrow();
    const setLock = (lockedAt: Date | null) =>
      withTenant(tdb.owner, { tenantId, evenIfLocked: true }, (trx) =>
        trx
          .updateTable('organizations')
          .set({ lockedAt, lockedReason: lockedAt ? 'incident' : null })
          .execute(),
      );
    const rest = createRestHandler({ createContext: h.createContext, logger: pino({ level: 'silent' }) });
    const restPush = () =>
      rest(
        new Request('http://localhost/api/v1/points', {
          method: 'POST',
          headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json' },
          body: JSON.stringify({ points: [{ metric: 'signups', ts: '2024-05-01T00:00:00Z', value: 1 }] }),
        }),
        '198.51.100.7',
      );
    const field = (await (await h.as()).forms.publicGet({ token: form.token })).fields[0]!;
    const attempts = async () => ({
      push: await code(
        (await h.asKey(writer)).api.push({ points: [{ metric: 'signups', ts: '2024-05-01T00:00:00Z', value: 1 }] }),
      ),
      series: await code(
        (await h.asKey(writer)).api.series({ key: 'signups', grain: 'day', from: '2024-05-01', to: '2024-05-02' }),
      ),
      rest: (await restPush()).status,
      invitationGet: await code((await h.as()).invitations.get({ token: invitation })),
      signUpAndAccept: await code(
        (await h.as()).invitations.signUpAndAccept({ token: invitation, displayName: 'I', password: TEST_PASSWORD }),
      ),
      formGet: await code((await h.as()).forms.publicGet({ token: form.token })),
      formSubmit: await code(
        (await h.as()).forms.submit({ token: form.token, values: [{ fieldId: field.id, value: 3 }] }),
      ),
    });

    await setLock(new Date());
    const before = await snapshot(tdb);
    expect(await attempts()).toEqual({
      push: 'FORBIDDEN',
      series: 'FORBIDDEN',
      rest: 403,
      invitationGet: 'FORBIDDEN',
      signUpAndAccept: 'FORBIDDEN',
      formGet: 'NOT_FOUND',
      formSubmit: 'NOT_FOUND',
    });
    expect(await failure((await h.asKey(writer)).api.metrics())).toEqual({
      code: 'FORBIDDEN',
      message: ORGANIZATION_LOCKED,
    });
    // Refused means refused: no point, no member, no user, no audit event was written while locked.
    const after = await snapshot(tdb);
    for (const table of ['data_points', 'memberships', 'users', 'audit_outbox', 'invitations']) {
      expect(after[table], table).toBe(before[table]);
    }

    await setLock(null);
    expect(await attempts()).toEqual({
      push: 'OK',
      series: 'OK',
      rest: 200,
      invitationGet: 'OK',
      signUpAndAccept: 'OK',
      formGet: 'OK',
      formSubmit: 'OK',
    });
  });
});

describe('the pool under load (finding 4)', () => {
  it(`several times the pool size (${POOL}) of concurrent API pushes, tenant reads, page loads and sign-ins all complete`, async () => {
    const a = await hs.signUp('load-a');
    const b = await hs.signUp('load-b');
    for (const o of [a, b])
      await (await hs.as(o.cookie)).metrics.create({ slug: o.slug, key: 'orders', name: 'Orders' });
    const keyA = (await hs.createKey(a.cookie, a.slug, ['data:write'])).token;
    const keyB = (await hs.createKey(b.cookie, b.slug, ['data:write'])).token;
    const N = POOL * 6;
    const push = (key: string, i: number) =>
      hs.asKey(key).then((c) =>
        c.api.push({
          points: [{ metric: 'orders', ts: `2024-06-01T${String(i % 24).padStart(2, '0')}:00:00Z`, value: i }],
        }),
      );
    const read = async (o: typeof a) => (await hs.as(o.cookie)).org.get({ slug: o.slug });
    // A page's loaders share one context: the session slot and tenant entries interleave on one request.
    const page = async (o: typeof a) => {
      const caller = await hs.as(o.cookie);
      return Promise.all([
        caller.auth.me(),
        caller.org.list(),
        caller.org.get({ slug: o.slug }),
        caller.metrics.list({ slug: o.slug }),
      ]);
    };
    const signIn = (o: typeof a, i: number) => hs.signIn(o.email, `198.51.100.${i + 10}`);
    const results = await Promise.all([
      ...Array.from({ length: N }, (_, i) => push(i % 2 ? keyA : keyB, i)),
      ...Array.from({ length: N }, (_, i) => read(i % 2 ? a : b)),
      ...Array.from({ length: N }, (_, i) => page(i % 2 ? a : b)),
      ...Array.from({ length: 6 }, (_, i) => signIn(i % 2 ? a : b, i)),
    ]);
    expect(results).toHaveLength(3 * N + 6);
    // No tenant leaked between pooled connections: every read saw its own organization.
    const names = await Promise.all(
      Array.from({ length: N }, (_, i) => read(i % 2 ? a : b).then((r) => [i % 2, r.organization.slug])),
    );
    for (const [odd, slug] of names) expect(slug).toBe(odd ? a.slug : b.slug);
    const idle = await sql<{
      tenant: string;
    }>`select coalesce(current_setting('app.tenant_id', true), '') as tenant`.execute(small);
    expect(idle.rows[0]?.tenant).toBe('');
  });
});

describe('text the database cannot store (finding 14)', () => {
  const lone = 'bad \ud800 text';
  it('a lone surrogate or NUL in any text input is a 400 naming the field, never a 500, and writes nothing', async () => {
    const owner = await h.signUp('text');
    const api = await h.as(owner.cookie);
    await api.metrics.create({ slug: owner.slug, key: 'orders', name: 'Orders' });
    const key = (await h.createKey(owner.cookie, owner.slug, ['data:write'])).token;
    const before = await snapshot(tdb);
    const attempts: [string, Promise<unknown>][] = [
      ['metrics.create name', api.metrics.create({ slug: owner.slug, key: 'x', name: lone })],
      ['metrics.update name', api.metrics.update({ slug: owner.slug, key: 'orders', name: lone })],
      ['dashboards.create', api.dashboards.create({ slug: owner.slug, name: lone })],
      ['forms.create', api.forms.create({ slug: owner.slug, name: lone, fields: [{ metricKey: 'orders' }] })],
      ['org.update', api.org.update({ slug: owner.slug, name: lone, timezone: 'UTC', weekStart: 1 })],
      ['org.update NUL', api.org.update({ slug: owner.slug, name: 'a\u0000b', timezone: 'UTC', weekStart: 1 })],
      [
        'push metric',
        (await h.asKey(key)).api.push({ points: [{ metric: lone, ts: '2024-01-01T00:00:00Z', value: 1 }] }),
      ],
      ['push key', (await h.asKey(key)).api.push({ idempotencyKey: lone, points: [] })],
      ['low surrogate', api.metrics.create({ slug: owner.slug, key: 'y', name: 'x\udc00' })],
    ];
    for (const [what, p] of attempts) {
      const f = await failure(p);
      expect(f?.code, what).toBe('BAD_REQUEST');
      expect(f?.message, what).toMatch(/cannot be stored/);
    }
    // A well-formed pair (an emoji) is fine.
    expect(await code(api.metrics.create({ slug: owner.slug, key: 'emoji', name: 'Orders 😀' }))).toBe('OK');
    const after = await snapshot(tdb);
    expect({ ...after, metrics: null, audit_outbox: null }).toEqual({ ...before, metrics: null, audit_outbox: null });
  });

  it('the REST adapter answers 400 for such text in the body and for a path that does not decode', async () => {
    const owner = await h.signUp('rest-text');
    await (await h.as(owner.cookie)).metrics.create({ slug: owner.slug, key: 'orders', name: 'Orders' });
    const key = (await h.createKey(owner.cookie, owner.slug, ['data:write', 'metrics:read'])).token;
    const rest = createRestHandler({ createContext: h.createContext, logger: pino({ level: 'silent' }) });
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const body = '{"points":[{"metric":"orders\\ud800","ts":"2024-01-01T00:00:00Z","value":1}]}';
    const pushed = await rest(new Request('http://localhost/api/v1/points', { method: 'POST', headers, body }), null);
    expect(pushed.status).toBe(400);
    for (const path of [
      '/api/v1/metrics/%ED%A0%80/series',
      '/api/v1/metrics/%E0%A4%A/series',
      '/api/v1/metrics/%ud800/series',
    ]) {
      const res = await rest(new Request(`http://localhost${path}?grain=day`, { headers }), null);
      expect(res.status, path).toBe(400);
    }
  });
});
