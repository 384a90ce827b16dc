import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { TRPCError } from '@trpc/server';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContextFactory } from './context.ts';
import { appRouter } from './root.ts';
import { createHarness, snapshot, TEST_PASSWORD, type Harness } from './testing/harness.ts';

/**
 * Bad input to every procedure: a 4xx with a message that names the problem, never a 500, and no
 * change to any table. Checked through the caller (what loaders use) and over HTTP (what the
 * browser and outside clients use), where malformed JSON is possible too.
 */
let tdb: TestDatabase;
let h: Harness;
let owner: Awaited<ReturnType<Harness['signUp']>>;
beforeAll(async () => {
  tdb = await createTestDatabase();
  h = createHarness(tdb);
  owner = await h.signUp('bad');
});
afterAll(async () => {
  await h.close();
  await tdb.drop();
});

const big = 'x'.repeat(100_000);
const CASES: Record<string, { input: unknown; message: RegExp }[]> = {
  'auth.signUp': [
    { input: undefined, message: /Invalid input/ },
    { input: {}, message: /email/ },
    { input: { email: 'not-an-email', password: TEST_PASSWORD, displayName: 'X', organizationName: 'Y' }, message: /valid email/ },
    { input: { email: 'a@example.com', password: TEST_PASSWORD, displayName: 'X', organizationName: big }, message: /at most 100/ },
    { input: { email: 'a@example.com', password: big, displayName: 'X', organizationName: 'Y' }, message: /at most 128/ },
    { input: { email: 42, password: TEST_PASSWORD, displayName: 'X', organizationName: 'Y' }, message: /email/ },
    { input: { email: 'a@example.com', password: TEST_PASSWORD, displayName: 'X', organizationName: 'Y', organizationSlug: 'Not A Slug!' }, message: /slug/i },
    { input: { email: 'a@example.com', password: 'short', displayName: 'X', organizationName: 'Y' }, message: /password/i },
  ],
  'auth.signIn': [
    { input: null, message: /Invalid input/ },
    { input: { email: '', password: 'x' }, message: /Email is required/ },
    { input: { email: big, password: 'x' }, message: /at most 254/ },
    { input: { email: 'a@example.com', password: big }, message: /at most 128/ },
    { input: { email: ['a'], password: 'x' }, message: /email/ },
  ],
  'org.get': [
    { input: {}, message: /slug/ },
    { input: { slug: 5 }, message: /slug/ },
    { input: { slug: big }, message: /at most 48/ },
    { input: { slug: '../etc/passwd' }, message: /slug/i },
  ],
  'org.update': [
    { input: { slug: 'SLUG' }, message: /name/ },
    { input: { name: 'X', timezone: 'UTC', weekStart: 1 }, message: /slug/ },
    { input: { slug: 'SLUG', name: '', timezone: 'UTC', weekStart: 1 }, message: /Name is required/ },
    { input: { slug: 'SLUG', name: 'X', timezone: 'Mars/Olympus', weekStart: 1 }, message: /timezone/ },
    { input: { slug: 'SLUG', name: 'X', timezone: 'UTC', weekStart: 7 }, message: /0 \(Sunday\) to 6/ },
    { input: { slug: 'SLUG', name: 'X', timezone: 'UTC', weekStart: 1.5 }, message: /whole/ },
    { input: { slug: 'SLUG', name: 'X', timezone: 'UTC', weekStart: '1' }, message: /Week start/ },
    { input: { slug: 'SLUG', name: big, timezone: 'UTC', weekStart: 1 }, message: /at most 100/ },
  ],
  'auth.completeSignUp': [
    { input: {}, message: /token/ },
    { input: { token: '' }, message: /incomplete/ },
    { input: { token: big }, message: /not valid/ },
    { input: { token: "x'; drop table users; --" }, message: /not valid/ },
  ],
  'auth.signInTwoFactor': [
    { input: { challenge: 'a'.repeat(40) }, message: /code/ },
    { input: { challenge: 'NOT A TOKEN', code: '123456' }, message: /not valid/ },
    { input: { challenge: 'a'.repeat(40), code: big }, message: /at most 20/ },
    { input: { challenge: 'a'.repeat(40), code: 123456 }, message: /code/ },
  ],
  'auth.requestPasswordReset': [
    { input: {}, message: /email/ },
    { input: { email: 'nope' }, message: /valid email/ },
    { input: { email: big }, message: /at most 254/ },
  ],
  'auth.resetPassword': [
    { input: { token: 'a'.repeat(40) }, message: /password/i },
    { input: { token: '../../x', password: TEST_PASSWORD }, message: /not valid/ },
    { input: { token: 'a'.repeat(40), password: big }, message: /at most 128/ },
  ],
  'account.reauthenticate': [
    { input: {}, message: /password/i },
    { input: { password: big }, message: /at most 128/ },
    { input: { password: 'x', code: big }, message: /at most 20/ },
  ],
  'account.changePassword': [
    { input: { currentPassword: TEST_PASSWORD }, message: /newPassword/ },
    { input: { currentPassword: TEST_PASSWORD, newPassword: big }, message: /at most 128/ },
    { input: { currentPassword: TEST_PASSWORD, newPassword: 'short' }, message: /at least/ },
  ],
  'account.revokeSession': [
    { input: {}, message: /sessionId/ },
    { input: { sessionId: 'abc' }, message: /Not a session id/ },
    { input: { sessionId: big }, message: /Not a session id/ },
  ],
  'account.confirmTwoFactor': [
    { input: {}, message: /code/ },
    { input: { code: '12345' }, message: /6-digit/ },
    { input: { code: 'abcdef' }, message: /6-digit/ },
  ],
  'members.list': [{ input: { slug: big }, message: /at most 48/ }],
  'members.listInvitations': [{ input: {}, message: /slug/ }],
  'members.leave': [{ input: { slug: 'Bad Slug!' }, message: /slug/i }],
  'members.invite': [
    { input: { slug: 'SLUG', role: 'viewer' }, message: /email/ },
    { input: { slug: 'SLUG', email: 'not-an-email', role: 'viewer' }, message: /valid email/ },
    { input: { slug: 'SLUG', email: 'a@example.com', role: 'superuser' }, message: /Role is one of/ },
    { input: { slug: 'SLUG', email: big, role: 'viewer' }, message: /at most 254/ },
  ],
  'members.revokeInvitation': [
    { input: { slug: 'SLUG' }, message: /invitationId/ },
    { input: { slug: 'SLUG', invitationId: 'not-a-uuid' }, message: /Not a valid id/ },
  ],
  'members.changeRole': [
    { input: { slug: 'SLUG', membershipId: 'x', role: 'viewer' }, message: /Not a valid id/ },
    { input: { slug: 'SLUG', membershipId: '00000000-0000-4000-8000-000000000000', role: 'god' }, message: /Role is one of/ },
  ],
  'members.remove': [{ input: { slug: 'SLUG', membershipId: 42 }, message: /membershipId/ }],
  'members.transferOwnership': [{ input: { slug: 'SLUG', membershipId: big }, message: /Not a valid id/ }],
  'invitations.get': [
    { input: {}, message: /token/ },
    { input: { token: big }, message: /not valid/ },
  ],
  'invitations.accept': [{ input: { token: 'ABC DEF' }, message: /not valid/ }],
  'invitations.signUpAndAccept': [
    { input: { token: 'a'.repeat(40), password: TEST_PASSWORD }, message: /displayName/ },
    { input: { token: 'a'.repeat(40), displayName: big, password: TEST_PASSWORD }, message: /at most 100/ },
  ],
  'security.getPolicy': [{ input: { slug: 7 }, message: /slug/ }],
  'security.updatePolicy': [
    { input: { slug: 'SLUG', requireTwoFactor: 'yes', sessionIdleMinutes: null, sessionAbsoluteHours: null }, message: /two-factor/ },
    { input: { slug: 'SLUG', requireTwoFactor: true, sessionIdleMinutes: 1, sessionAbsoluteHours: null }, message: /at least 5 minutes/ },
    { input: { slug: 'SLUG', requireTwoFactor: true, sessionIdleMinutes: 10_000, sessionAbsoluteHours: null }, message: /at most 120/ },
    { input: { slug: 'SLUG', requireTwoFactor: true, sessionIdleMinutes: null, sessionAbsoluteHours: 0.5 }, message: /whole hours/ },
    { input: { slug: 'SLUG', requireTwoFactor: true, sessionIdleMinutes: null }, message: /sessionAbsoluteHours/ },
  ],
  'audit.list': [
    { input: { slug: 'SLUG', action: 'metric.exploded' }, message: /known actions/ },
    { input: { slug: 'SLUG', action: big }, message: /known actions/ },
    { input: { slug: 'SLUG', cursor: 'not a cursor!' }, message: /Cursor is malformed/ },
    { input: { slug: 'SLUG', cursor: 'AAAA' }, message: /Cursor is malformed/ },
    { input: { slug: 'SLUG', cursor: big }, message: /Cursor is at most 64/ },
    { input: { slug: 'SLUG', from: '1900-01-01', to: '2099-12-31' }, message: /From must be between 2000 and 2100/ },
    { input: { slug: 'SLUG', from: '2001-01-01', to: '2099-12-31' }, message: /at most 366 days/ },
    { input: { slug: 'SLUG', from: '2026-02-01', to: '2026-01-01' }, message: /To must be after From/ },
    { input: { slug: 'SLUG', from: 'yesterday' }, message: /ISO date/ },
    { input: { slug: 'SLUG', to: 12 }, message: /To must be a date/ },
    { input: { slug: 'SLUG', limit: 100_000 }, message: /Limit is 1 to 500/ },
    { input: { slug: 'SLUG', targetType: 'Robert; drop table' }, message: /Target type/ },
    { input: { slug: 'SLUG', actor: big }, message: /Actor is at most 254/ },
  ],
  'audit.verify': [{ input: { slug: big }, message: /at most 48/ }],
  'audit.recordExport': [
    { input: { slug: 'SLUG' }, message: /Format is csv or ndjson/ },
    { input: { slug: 'SLUG', format: 'xlsx' }, message: /Format is csv or ndjson/ },
    { input: { slug: 'SLUG', format: 'csv', action: 'nope.nope' }, message: /known actions/ },
    { input: { slug: 'SLUG', format: 'csv', from: '2000-01-01', to: '2099-01-01' }, message: /at most 366 days/ },
  ],
};
// Procedures that take no input: extra input is ignored, so there is nothing bad to send.
const NO_INPUT = ['auth.signOut', 'auth.me', 'org.list', 'account.get', 'account.revokeOtherSessions', 'account.beginTwoFactor', 'account.disableTwoFactor', 'account.regenerateRecoveryCodes'];

const withSlug = (input: unknown) => (input && typeof input === 'object' && (input as { slug?: unknown }).slug === 'SLUG' ? { ...input, slug: owner.slug } : input);

describe('bad input through the caller', () => {
  it('covers every procedure of the router', () => {
    const all = Object.keys(appRouter._def.procedures);
    expect(all.filter((p) => !CASES[p] && !NO_INPUT.includes(p))).toEqual([]);
  });

  for (const [path, cases] of Object.entries(CASES)) {
    it(`${path}: BAD_REQUEST with a clear message and nothing changed`, async () => {
      const before = await snapshot(tdb);
      for (const { input, message } of cases) {
        const api = await h.as(owner.cookie);
        const fn = path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], api) as (i: unknown) => Promise<unknown>;
        const err = await fn(withSlug(input)).then(() => null, (e: unknown) => e);
        expect(err, `${path} ${JSON.stringify(input)?.slice(0, 80)}`).toBeInstanceOf(TRPCError);
        expect((err as TRPCError).code, JSON.stringify(input)?.slice(0, 80)).toBe('BAD_REQUEST');
        expect((err as TRPCError).message).toMatch(message);
      }
      expect(await snapshot(tdb)).toEqual(before);
    });
  }
});

describe('bad input over HTTP', () => {
  const handler = (req: Request) =>
    fetchRequestHandler({
      endpoint: '/api/trpc',
      req,
      router: appRouter,
      createContext: ({ req: r, resHeaders }) =>
        createContextFactory(h.deps)({ req: r, resHeaders, clientIp: '127.0.0.1' }),
    });
  const post = (path: string, body: string) =>
    handler(new Request(`http://localhost/api/trpc/${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', cookie: owner.cookie } }));

  it('malformed JSON, wrong shapes and oversized values answer 400 with field errors, never 500', async () => {
    const before = await snapshot(tdb);
    const bodies: [string, string][] = [
      ['auth.signIn', '{"json":'],
      ['auth.signIn', 'not json at all'],
      ['auth.signUp', JSON.stringify({ json: { email: 'x' } })],
      ['org.update', JSON.stringify({ json: { slug: owner.slug, name: 'X', timezone: 'UTC', weekStart: 99 } })],
      ['org.update', JSON.stringify({ json: { slug: owner.slug, name: big, timezone: 'UTC', weekStart: 1 } })],
      ['members.invite', JSON.stringify({ json: { slug: owner.slug, email: 'x@example.com', role: 42 } })],
      ['account.changePassword', '{"json": {"currentPassword": '],
      ['auth.resetPassword', JSON.stringify({ json: { token: 'a'.repeat(40), password: ['x'] } })],
      ['audit.recordExport', JSON.stringify({ json: { slug: owner.slug, format: 'csv', cursor: 'x', from: '0001-01-01' } })],
    ];
    for (const [path, body] of bodies) {
      const res = await post(path, body);
      expect(res.status, `${path} ${body.slice(0, 40)}`).toBe(400);
      const json = (await res.json()) as { error: { json: { message: string; data: { fieldErrors?: Record<string, string[]> } } } };
      expect(json.error.json.message.length).toBeGreaterThan(5);
    }
    const res = await post('org.update', JSON.stringify({ json: { slug: owner.slug, name: 'X', timezone: 'UTC', weekStart: 99 } }));
    const json = (await res.json()) as { error: { json: { data: { fieldErrors: Record<string, string[]> } } } };
    expect(json.error.json.data.fieldErrors.weekStart?.[0]).toMatch(/0 \(Sunday\) to 6/);
    expect(await snapshot(tdb)).toEqual(before);
  });

  it('an unknown procedure is 404 and a GET to a mutation is 405', async () => {
    expect((await handler(new Request('http://localhost/api/trpc/nope.nothing'))).status).toBe(404);
    expect((await handler(new Request('http://localhost/api/trpc/org.update?input=%7B%7D'))).status).toBe(405);
  });
});
