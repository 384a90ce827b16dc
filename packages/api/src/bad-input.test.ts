import { Readable } from 'node:stream';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { TRPCError } from '@trpc/server';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
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
let keyToken: string;
let importId: string;
let formId: string;
let formToken: string;
let fieldId: string;
let shareToken: string;
beforeAll(async () => {
  tdb = await createTestDatabase();
  h = createHarness(tdb);
  owner = await h.signUp('bad');
  const api = await h.as(owner.cookie);
  await api.metrics.create({ slug: owner.slug, key: 'revenue', name: 'Revenue' });
  await api.metrics.create({ slug: owner.slug, key: 'signups', name: 'Signups' });
  keyToken = (await h.createKey(owner.cookie, owner.slug, ['data:write', 'metrics:read'])).token;
  const form = await api.forms.create({ slug: owner.slug, name: 'Bad input form', fields: [{ metricKey: 'revenue' }] });
  formId = form.id;
  formToken = form.token;
  fieldId = (await (await h.as()).forms.publicGet({ token: form.token })).fields[0]!.id;
  const board = await api.dashboards.create({ slug: owner.slug, name: 'Bad input board' });
  shareToken = (await api.shares.create({ slug: owner.slug, dashboardId: board.id, label: 'Bad input link' })).token;
  importId = (
    await api.imports.upload({
      slug: owner.slug,
      fileName: 'bad.csv',
      file: Readable.from([Buffer.from('metric,ts,value\nrevenue,2024-01-01T00:00:00Z,1\n')]),
    })
  ).id;
});
afterAll(async () => {
  await h.close();
  await tdb.drop();
});

const big = 'x'.repeat(100_000);
const RULE = {
  name: 'Revenue high',
  metricKey: 'revenue',
  grain: 'day',
  condition: { kind: 'threshold', op: 'above', value: 10 },
};
const ZERO = '00000000-0000-4000-8000-000000000000';
const MAPPING = { metricColumn: 'metric', timestampColumn: 'ts', timestampFormat: 'iso', valueColumn: 'value' };
const CASES: Record<string, { input: unknown; message: RegExp }[]> = {
  'auth.signUp': [
    { input: undefined, message: /Invalid input/ },
    { input: {}, message: /email/ },
    { input: { email: 'not-an-email', displayName: 'X', organizationName: 'Y' }, message: /valid email/ },
    { input: { email: 'a@example.com', displayName: 'X', organizationName: big }, message: /at most 100/ },
    { input: { email: 'a@example.com', displayName: big, organizationName: 'Y' }, message: /at most 100/ },
    { input: { email: 42, displayName: 'X', organizationName: 'Y' }, message: /email/ },
    {
      input: { email: 'a@example.com', displayName: 'X', organizationName: 'Y', organizationSlug: 'Not A Slug!' },
      message: /slug/i,
    },
  ],
  'auth.signIn': [
    { input: { email: 'a\u0000@example.com', password: 'x' }, message: /NUL/ },
    { input: null, message: /Invalid input/ },
    { input: { email: '', password: 'x' }, message: /Email is required/ },
    { input: { email: big, password: 'x' }, message: /at most 254/ },
    { input: { email: 'a@example.com', password: big }, message: /at most 128/ },
    { input: { email: ['a'], password: 'x' }, message: /email/ },
  ],
  'contact.submit': [
    {
      input: { name: 'A\u0000', email: 'a@example.com', topic: 'sales', message: 'long enough message' },
      message: /NUL/,
    },
    { input: undefined, message: /Invalid input/ },
    {
      input: { name: '', email: 'a@example.com', topic: 'sales', message: 'long enough message' },
      message: /Name is required/,
    },
    { input: { name: 'A', email: 'nope', topic: 'sales', message: 'long enough message' }, message: /valid email/ },
    {
      input: { name: 'A', email: 'a@example.com', topic: 'hacking', message: 'long enough message' },
      message: /topic/i,
    },
    { input: { name: 'A', email: 'a@example.com', topic: 'sales', message: big }, message: /at most 5,000/ },
    { input: { name: 'A', email: 'a@example.com', topic: 'sales', message: 'short' }, message: /at least 10/ },
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
  'auth.signUpRequest': [
    { input: {}, message: /token/ },
    { input: { token: '' }, message: /incomplete/ },
    { input: { token: big }, message: /not valid/ },
    { input: { token: "x'; drop table users; --" }, message: /not valid/ },
  ],
  'auth.completeSignUp': [
    { input: {}, message: /token/ },
    { input: { token: '', password: TEST_PASSWORD, displayName: 'X', organizationName: 'Y' }, message: /incomplete/ },
    { input: { token: big, password: TEST_PASSWORD, displayName: 'X', organizationName: 'Y' }, message: /not valid/ },
    {
      input: { token: "x'; drop table users; --", password: TEST_PASSWORD, displayName: 'X', organizationName: 'Y' },
      message: /not valid/,
    },
    { input: { token: 'a'.repeat(40), displayName: 'X', organizationName: 'Y' }, message: /password/i },
    {
      input: { token: 'a'.repeat(40), password: big, displayName: 'X', organizationName: 'Y' },
      message: /at most 128/,
    },
    {
      input: { token: 'a'.repeat(40), password: TEST_PASSWORD, displayName: '', organizationName: 'Y' },
      message: /Name is required/,
    },
    {
      input: { token: 'a'.repeat(40), password: TEST_PASSWORD, displayName: 'X', organizationName: big },
      message: /at most 100/,
    },
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
    {
      input: { slug: 'SLUG', membershipId: '00000000-0000-4000-8000-000000000000', role: 'god' },
      message: /Role is one of/,
    },
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
    {
      input: { slug: 'SLUG', requireTwoFactor: 'yes', sessionIdleMinutes: null, sessionAbsoluteHours: null },
      message: /two-factor/,
    },
    {
      input: { slug: 'SLUG', requireTwoFactor: true, sessionIdleMinutes: 1, sessionAbsoluteHours: null },
      message: /at least 5 minutes/,
    },
    {
      input: { slug: 'SLUG', requireTwoFactor: true, sessionIdleMinutes: 10_000, sessionAbsoluteHours: null },
      message: /at most 120/,
    },
    {
      input: { slug: 'SLUG', requireTwoFactor: true, sessionIdleMinutes: null, sessionAbsoluteHours: 0.5 },
      message: /whole hours/,
    },
    { input: { slug: 'SLUG', requireTwoFactor: true, sessionIdleMinutes: null }, message: /sessionAbsoluteHours/ },
  ],
  'metrics.list': [
    { input: { slug: 'SLUG', search: big }, message: /at most 100/ },
    { input: { slug: 'SLUG', limit: 5000 }, message: /At most 1000/ },
    { input: { slug: 'SLUG', includeArchived: 'yes' }, message: /includeArchived/ },
  ],
  'metrics.get': [
    { input: { slug: 'SLUG' }, message: /Metric key is required/ },
    { input: { slug: 'SLUG', key: 'Bad Key!' }, message: /lowercase letters/ },
    { input: { slug: 'SLUG', key: big }, message: /at most 63/ },
  ],
  'metrics.owners': [{ input: {}, message: /slug/ }],
  'metrics.create': [
    { input: { slug: 'SLUG', key: 'ok_key' }, message: /Name is required/ },
    { input: { slug: 'SLUG', key: '9lives', name: 'X' }, message: /starts with a letter/ },
    { input: { slug: 'SLUG', key: 'cur', name: 'X', unit: 'currency' }, message: /currency code/ },
    { input: { slug: 'SLUG', key: 'cur', name: 'X', unit: 'currency', currency: 'XYZW' }, message: /ISO 4217/ },
    { input: { slug: 'SLUG', key: 'num', name: 'X', currency: 'EUR' }, message: /Only currency metrics/ },
    { input: { slug: 'SLUG', key: 'agg', name: 'X', aggregation: 'median' }, message: /Aggregation is one of/ },
    { input: { slug: 'SLUG', key: 'gr', name: 'X', defaultGrain: 'year' }, message: /Grain is one of/ },
    {
      input: { slug: 'SLUG', key: 'tg', name: 'X', tags: Array.from({ length: 21 }, (_, i) => `t${i}`) },
      message: /At most 20 tags/,
    },
    { input: { slug: 'SLUG', key: 'ow', name: 'X', ownerMembershipId: 'not-a-uuid' }, message: /Owner/ },
    {
      input: { slug: 'SLUG', key: 'ow', name: 'X', ownerMembershipId: '00000000-0000-4000-8000-000000000000' },
      message: /member of this organization/,
    },
    { input: { slug: 'SLUG', key: 'fx', name: 'X', formula: 'revenue / ' }, message: /end of the formula/ },
    { input: { slug: 'SLUG', key: 'fx', name: 'X', formula: 'revenue / ghost' }, message: /Unknown metric key: ghost/ },
    {
      input: { slug: 'SLUG', key: 'fx', name: 'X', formula: '('.repeat(60) + 'revenue' + ')'.repeat(60) },
      message: /nests too deeply/,
    },
    { input: { slug: 'SLUG', key: 'fx', name: 'X', formula: big }, message: /at most 1000/ },
    { input: { slug: 'SLUG', key: 'fx', name: 'X', formula: '1e999 * revenue' }, message: /out of range/ },
  ],
  'metrics.update': [
    { input: { slug: 'SLUG', key: 'revenue', name: '' }, message: /Name is required/ },
    { input: { slug: 'SLUG', key: 'revenue', name: 'X', description: big }, message: /at most 2000/ },
    { input: { slug: 'SLUG', key: 'revenue', name: 'X', formula: 'signups * 2' }, message: /cannot become a formula/ },
  ],
  'metrics.setArchived': [
    { input: { slug: 'SLUG', key: 'revenue' }, message: /archived must be true or false/ },
    { input: { slug: 'SLUG', key: 'revenue', archived: 'true' }, message: /archived/ },
  ],
  'metrics.series': [
    { input: { slug: 'SLUG', key: 'revenue', from: '2024-01-01' }, message: /Date is required/ },
    { input: { slug: 'SLUG', key: 'revenue', from: '2024-02-30', to: '2024-03-01' }, message: /Not a real date/ },
    { input: { slug: 'SLUG', key: 'revenue', from: '2024-01-01', to: '2024-01-01T00:00:00Z' }, message: /YYYY-MM-DD/ },
    { input: { slug: 'SLUG', key: 'revenue', from: '2024-03-01', to: '2024-01-01' }, message: /must not be before/ },
    { input: { slug: 'SLUG', key: 'revenue', from: '1900-01-01', to: '2099-12-31' }, message: /at most 3700 days/ },
    {
      input: { slug: 'SLUG', key: 'revenue', from: '2024-01-01', to: '2024-01-02', grain: 'hour' },
      message: /Grain is one of/,
    },
    { input: { slug: 'SLUG', key: 'revenue', from: '0000-01-01', to: '2024-01-02' }, message: /Not a real date/ },
  ],
  'metrics.periodToDate': [
    { input: { slug: 'SLUG', key: 'revenue', asOf: 'today' }, message: /YYYY-MM-DD/ },
    { input: { slug: 'SLUG', key: 'revenue', grain: 'decade' }, message: /Grain/ },
  ],
  'points.list': [
    { input: { slug: 'SLUG', key: 'revenue', limit: 0 }, message: /limit/ },
    { input: { slug: 'SLUG', key: 'revenue', from: '2024-13-01' }, message: /Not a real date/ },
  ],
  'points.upsert': [
    { input: { slug: 'SLUG', key: 'revenue', points: [] }, message: /at least one value/ },
    {
      input: { slug: 'SLUG', key: 'revenue', points: [{ date: '2024-01-01', value: Number.NaN }] },
      message: /finite number|value/,
    },
    {
      input: { slug: 'SLUG', key: 'revenue', points: [{ date: '2024-01-01', value: Number.POSITIVE_INFINITY }] },
      message: /value/,
    },
    { input: { slug: 'SLUG', key: 'revenue', points: [{ date: '2024-01-01', value: '5' }] }, message: /value/ },
    { input: { slug: 'SLUG', key: 'revenue', points: [{ date: 'soon', value: 5 }] }, message: /points/ },
    {
      input: {
        slug: 'SLUG',
        key: 'revenue',
        points: Array.from({ length: 1001 }, () => ({ date: '2024-01-01', value: 1 })),
      },
      message: /At most 1000/,
    },
  ],
  'points.delete': [
    { input: { slug: 'SLUG', key: 'revenue', ts: [] }, message: /at least one point/ },
    { input: { slug: 'SLUG', key: 'revenue', ts: ['2024-01-01T00:00:00'] }, message: /timezone offset/ },
    { input: { slug: 'SLUG', key: 'revenue', ts: ['3000-01-01T00:00:00Z'] }, message: /1900-01-01/ },
  ],
  'targets.list': [{ input: { slug: 'SLUG', key: 'revenue', asOf: '2024-1-1' }, message: /YYYY-MM-DD/ }],
  'targets.create': [
    { input: { slug: 'SLUG', key: 'revenue', kind: 'recurring', value: 10 }, message: /needs a period/ },
    {
      input: { slug: 'SLUG', key: 'revenue', kind: 'fixed', value: 10, startsOn: '2024-01-01' },
      message: /start and an end/,
    },
    {
      input: { slug: 'SLUG', key: 'revenue', kind: 'fixed', value: 10, startsOn: '2024-02-01', endsOn: '2024-01-01' },
      message: /not be before the start/,
    },
    {
      input: { slug: 'SLUG', key: 'revenue', kind: 'recurring', grain: 'month', value: 1e300 },
      message: /at most 1e15/,
    },
    {
      input: { slug: 'SLUG', key: 'revenue', kind: 'recurring', grain: 'month', value: Number.NaN },
      message: /value/i,
    },
    { input: { slug: 'SLUG', key: 'revenue', kind: 'yearly', value: 1 }, message: /Kind is fixed/ },
  ],
  'targets.update': [
    { input: { slug: 'SLUG', id: 'nope', kind: 'recurring', grain: 'month', value: 1 }, message: /UUID/ },
    {
      input: {
        slug: 'SLUG',
        id: '00000000-0000-4000-8000-000000000000',
        kind: 'fixed',
        grain: 'month',
        value: 1,
        startsOn: '2024-01-01',
        endsOn: '2024-01-02',
      },
      message: /leave the period empty/,
    },
  ],
  'targets.delete': [{ input: { slug: 'SLUG', id: 42 }, message: /UUID/ }],
  'apiKeys.list': [{ input: { slug: 'Not a slug' }, message: /slug/ }],
  'apiKeys.create': [
    { input: { slug: 'SLUG', name: 'K', scopes: [] }, message: /at least one scope/ },
    { input: { slug: 'SLUG', name: 'K', scopes: ['admin:all'] }, message: /Scopes are/ },
    { input: { slug: 'SLUG', name: '', scopes: ['metrics:read'] }, message: /Name is required/ },
  ],
  'apiKeys.revoke': [{ input: { slug: 'SLUG', id: 'x' }, message: /UUID/ }],
  'api.push': [
    { input: { points: [{ metric: 'revenue', ts: '2024-01-01T00:00:00Z', value: Number.NaN }] }, message: /value/ },
    {
      input: { points: [{ metric: 'revenue', ts: '2024-01-01T00:00:00Z', value: Number.NEGATIVE_INFINITY }] },
      message: /value/,
    },
    { input: { points: [{ metric: 'revenue', ts: new Date(), value: 1 }] }, message: /ts/ },
    { input: { points: 'all of them' }, message: /points/ },
    {
      input: { points: [{ metric: 'revenue', ts: '2024-01-01T00:00:00Z', value: 1 }], idempotencyKey: '' },
      message: /must not be empty/,
    },
  ],
  'api.series': [
    { input: { key: 'revenue', from: '2024-01-01', to: 'x' }, message: /YYYY-MM-DD/ },
    { input: { key: 'UPPER', from: '2024-01-01', to: '2024-01-02' }, message: /lowercase/ },
  ],
  'dashboards.list': [{ input: { slug: 'Not a slug' }, message: /slug/ }],
  'dashboards.get': [
    { input: { slug: 'SLUG', id: 'nope' }, message: /UUID/ },
    { input: { slug: 'SLUG', range: '5y' }, message: /Range is one of/ },
    { input: { slug: 'SLUG', grain: 'hour' }, message: /Grain is one of/ },
    { input: { slug: 'SLUG', from: '2024-01-01' }, message: /both "from" and "to"/ },
    { input: { slug: 'SLUG', from: '2024-02-30', to: '2024-03-01' }, message: /real date/ },
    { input: { slug: 'SLUG', from: '2024-03-01', to: '2024-01-01' }, message: /must not be before/ },
    { input: { slug: 'SLUG', from: '2024-01-01', to: '2024-03-01', range: '30d' }, message: /not both/ },
    { input: { slug: 'SLUG', from: '1990-01-01', to: '2024-03-01', grain: 'month' }, message: /at most 3700 days/ },
    { input: { slug: 'SLUG', from: '2020-01-01', to: '2024-03-01', grain: 'day' }, message: /coarser grain/ },
  ],
  'dashboards.create': [
    { input: { slug: 'SLUG' }, message: /Name is required/ },
    { input: { slug: 'SLUG', name: '   ' }, message: /Name is required/ },
    { input: { slug: 'SLUG', name: big }, message: /at most 100/ },
    { input: { slug: 'SLUG', name: 'X', range: 'forever' }, message: /Range is one of/ },
    { input: { slug: 'SLUG', name: 'X', grain: 'year' }, message: /Grain is one of/ },
  ],
  'dashboards.update': [
    { input: { slug: 'SLUG', id: 'x', name: 'X' }, message: /UUID/ },
    { input: { slug: 'SLUG', id: '00000000-0000-4000-8000-000000000000', name: '' }, message: /Name is required/ },
    {
      input: { slug: 'SLUG', id: '00000000-0000-4000-8000-000000000000', makeDefault: false },
      message: /only be true/,
    },
  ],
  'dashboards.delete': [{ input: { slug: 'SLUG', id: 42 }, message: /UUID/ }],
  'dashboards.addTile': [
    { input: { slug: 'SLUG', dashboardId: 'x', metricKey: 'revenue', kind: 'line' }, message: /UUID/ },
    {
      input: { slug: 'SLUG', dashboardId: '00000000-0000-4000-8000-000000000000', metricKey: 'revenue', kind: 'pie' },
      message: /Tile kind is one of/,
    },
    {
      input: { slug: 'SLUG', dashboardId: '00000000-0000-4000-8000-000000000000', metricKey: 'Bad Key', kind: 'line' },
      message: /lowercase/,
    },
    {
      input: {
        slug: 'SLUG',
        dashboardId: '00000000-0000-4000-8000-000000000000',
        metricKey: 'revenue',
        kind: 'line',
        title: big,
      },
      message: /at most 100/,
    },
  ],
  'dashboards.removeTile': [
    {
      input: { slug: 'SLUG', dashboardId: '00000000-0000-4000-8000-000000000000', tileId: 'x' },
      message: /Tile id must be a UUID/,
    },
  ],
  'dashboards.reorderTiles': [
    { input: { slug: 'SLUG', dashboardId: '00000000-0000-4000-8000-000000000000', tileIds: [] }, message: /new order/ },
    {
      input: {
        slug: 'SLUG',
        dashboardId: '00000000-0000-4000-8000-000000000000',
        tileIds: Array.from({ length: 25 }, () => '00000000-0000-4000-8000-000000000000'),
      },
      message: /at most 24/,
    },
    {
      input: { slug: 'SLUG', dashboardId: '00000000-0000-4000-8000-000000000000', tileIds: ['nope'] },
      message: /UUID/,
    },
  ],
  'dashboards.duplicate': [
    { input: { slug: 'SLUG', id: 'x' }, message: /UUID/ },
    { input: { slug: 'SLUG', id: ZERO, name: big }, message: /at most 100/ },
  ],
  'dashboards.metricChart': [
    { input: { slug: 'SLUG', key: 'revenue', from: '2024-01-01' }, message: /Date is required/ },
    { input: { slug: 'SLUG', key: 'revenue', from: '2024-03-01', to: '2024-01-01' }, message: /must not be before/ },
    { input: { slug: 'SLUG', key: 'Bad!', from: '2024-01-01', to: '2024-01-02' }, message: /lowercase/ },
    {
      input: { slug: 'SLUG', key: 'revenue', from: '2020-01-01', to: '2024-12-31', grain: 'day' },
      message: /coarser grain/,
    },
  ],
  'dashboards.templates': [{ input: { slug: 'Bad Slug' }, message: /slug/i }],
  'dashboards.createFromTemplate': [
    { input: { slug: 'SLUG', template: 'everything' }, message: /Template is one of/ },
    { input: { slug: 'SLUG' }, message: /Template is one of/ },
    // The organization has revenue and signups, and nothing the support template looks for.
    { input: { slug: 'SLUG', template: 'support' }, message: /No metric of this organization fits/ },
  ],
  'dashboards.updateTile': [
    { input: { slug: 'SLUG', dashboardId: ZERO, tileId: 'x' }, message: /Tile id must be a UUID/ },
    { input: { slug: 'SLUG', dashboardId: ZERO, tileId: ZERO, kind: 'pie' }, message: /Tile kind is one of/ },
    { input: { slug: 'SLUG', dashboardId: ZERO, tileId: ZERO, width: 3 }, message: /1 or 2 columns/ },
    { input: { slug: 'SLUG', dashboardId: ZERO, tileId: ZERO, range: '5y' }, message: /Range is one of/ },
    { input: { slug: 'SLUG', dashboardId: ZERO, tileId: ZERO, grain: 'hour' }, message: /Grain is one of/ },
    { input: { slug: 'SLUG', dashboardId: ZERO, tileId: ZERO, compareTo: 'forever' }, message: /Comparison is/ },
    {
      input: { slug: 'SLUG', dashboardId: ZERO, tileId: ZERO, moreMetricKeys: ['a', 'b', 'c', 'd'] },
      message: /at most 4 metrics/,
    },
    { input: { slug: 'SLUG', dashboardId: ZERO, tileId: ZERO, moreMetricKeys: ['Bad Key'] }, message: /lowercase/ },
    { input: { slug: 'SLUG', dashboardId: ZERO, tileId: ZERO, title: big }, message: /at most 100/ },
  ],
  'annotations.list': [
    { input: { slug: 'SLUG' }, message: /either a metric key or a dashboard id/ },
    {
      input: { slug: 'SLUG', metricKey: 'revenue', dashboardId: ZERO },
      message: /either a metric key or a dashboard id/,
    },
    { input: { slug: 'SLUG', metricKey: 'revenue', from: '2024-03-01', to: '2024-01-01' }, message: /not be before/ },
    { input: { slug: 'SLUG', dashboardId: 'nope' }, message: /UUID/ },
  ],
  'annotations.create': [
    { input: { slug: 'SLUG', metricKey: 'revenue', date: '2024-01-01' }, message: /Write the note/ },
    { input: { slug: 'SLUG', metricKey: 'revenue', date: '2024-01-01', body: '   ' }, message: /Write the note/ },
    { input: { slug: 'SLUG', metricKey: 'revenue', date: '2024-01-01', body: big }, message: /at most 280/ },
    { input: { slug: 'SLUG', metricKey: 'revenue', date: '2024-02-30', body: 'x' }, message: /real date/ },
    { input: { slug: 'SLUG', date: '2024-01-01', body: 'x' }, message: /either a metric key or a dashboard id/ },
  ],
  'annotations.update': [
    { input: { slug: 'SLUG', id: 'x', body: 'x' }, message: /Annotation id must be a UUID/ },
    { input: { slug: 'SLUG', id: ZERO, body: big }, message: /at most 280/ },
  ],
  'annotations.delete': [{ input: { slug: 'SLUG', id: 42 }, message: /Annotation id must be a UUID/ }],
  'shares.list': [{ input: { slug: 'SLUG', dashboardId: 'x' }, message: /UUID/ }],
  'shares.create': [
    { input: { slug: 'SLUG', dashboardId: ZERO }, message: /label/ },
    { input: { slug: 'SLUG', dashboardId: ZERO, label: big }, message: /at most 100/ },
    { input: { slug: 'SLUG', dashboardId: ZERO, label: 'TV', expiresOn: 'tomorrow' }, message: /YYYY-MM-DD/ },
    {
      input: { slug: 'SLUG', dashboardId: ZERO, label: 'TV', embedOrigins: ['https://*.example.com'] },
      message: /not an https origin/,
    },
    {
      input: {
        slug: 'SLUG',
        dashboardId: ZERO,
        label: 'TV',
        embedOrigins: ["https://a.example.com; script-src 'unsafe-inline'"],
      },
      message: /not an (https )?origin/,
    },
    {
      input: { slug: 'SLUG', dashboardId: ZERO, label: 'TV', embedOrigins: ['http://intranet.example.com'] },
      message: /not an https origin/,
    },
    {
      input: { slug: 'SLUG', dashboardId: ZERO, label: 'TV', embedOrigins: ['https://a.example.com/path'] },
      message: /not an https origin/,
    },
    {
      input: {
        slug: 'SLUG',
        dashboardId: ZERO,
        label: 'TV',
        embedOrigins: Array.from({ length: 6 }, (_, i) => `https://a${i}.example.com`),
      },
      message: /At most 5 origins/,
    },
  ],
  'shares.update': [
    { input: { slug: 'SLUG', id: 'x' }, message: /Share link id must be a UUID/ },
    { input: { slug: 'SLUG', id: ZERO, embedOrigins: ['javascript:alert(1)'] }, message: /not an https origin/ },
  ],
  'shares.rotate': [{ input: { slug: 'SLUG', id: big }, message: /Share link id must be a UUID/ }],
  'shares.revoke': [{ input: { slug: 'SLUG' }, message: /Share link id must be a UUID/ }],
  'shares.view': [
    { input: {}, message: /Share link is required/ },
    { input: { token: big }, message: /at most 100/ },
    { input: { token: 'SHARE', id: ZERO }, message: /Unrecognized key/i },
    { input: { token: 'SHARE', slug: 'other-org' }, message: /Unrecognized key/i },
    { input: { token: 'SHARE', grain: 'hour' }, message: /Grain is one of/ },
    { input: { token: 'SHARE', from: '2024-01-01' }, message: /both "from" and "to"/ },
    { input: { token: 'SHARE', from: '2020-01-01', to: '2024-03-01', grain: 'day' }, message: /coarser grain/ },
    { input: { token: 'SHARE', countView: 'yes' }, message: /countView/ },
  ],
  'imports.upload': [
    {
      input: { slug: 'SLUG', fileName: 'a.csv', file: 'metric,ts,value\nrevenue,2024-01-01T00:00:00Z,1' },
      message: /file must be the uploaded file itself/,
    },
    { input: { slug: 'SLUG', fileName: 'a.csv' }, message: /file must be the uploaded file itself/ },
    { input: { slug: 'SLUG', fileName: '', file: 'x' }, message: /File name is required/ },
    { input: { slug: 'SLUG', fileName: big, file: 'x' }, message: /at most 255/ },
  ],
  'imports.list': [{ input: { slug: 'SLUG', limit: 500 }, message: /At most 100 imports/ }],
  'imports.get': [{ input: { slug: 'SLUG', id: 'nope' }, message: /UUID/ }],
  'imports.errors': [{ input: { slug: 'SLUG', id: 5 }, message: /UUID/ }],
  'imports.preview': [
    {
      input: { slug: 'SLUG', id: 'IMPORT', mapping: { ...MAPPING, timestampFormat: 'excel' } },
      message: /Timestamp format is one of/,
    },
    { input: { slug: 'SLUG', id: 'IMPORT', mapping: { ...MAPPING, timezone: 'Mars/Base' } }, message: /timezone/ },
    {
      input: { slug: 'SLUG', id: 'IMPORT', mapping: { ...MAPPING, valueColumn: 'amount' } },
      message: /no column "amount"/,
    },
    { input: { slug: 'SLUG', id: 'IMPORT' }, message: /mapping/ },
  ],
  'imports.start': [
    {
      input: { slug: 'SLUG', id: 'IMPORT', mapping: { ...MAPPING, valueColumn: undefined } },
      message: /Choose the column that holds the values/,
    },
    {
      input: { slug: 'SLUG', id: 'IMPORT', mapping: { ...MAPPING, metricColumn: undefined, metricKey: 'ghost' } },
      message: /Unknown metric key "ghost"/,
    },
    {
      input: { slug: 'SLUG', id: 'IMPORT', mapping: { ...MAPPING, timestampFormat: 'mdy' } },
      message: /choose the timezone/,
    },
    { input: { slug: 'SLUG', id: 'IMPORT', mapping: { ...MAPPING, valueColumn: big } }, message: /at most 200/ },
  ],
  'audit.list': [
    // Found by the security scan: a NUL in a text filter reached PostgreSQL and answered 500.
    { input: { slug: 'SLUG', actor: '/e\u0000' }, message: /NUL/ },
    { input: { slug: 'SLUG', targetType: 'organization', targetId: '/e\u0000' }, message: /NUL/ },
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
  'forms.list': [{ input: { slug: big }, message: /at most 48/ }],
  'forms.get': [
    { input: { slug: 'SLUG' }, message: /Form id must be a UUID/ },
    { input: { slug: 'SLUG', id: 'not-a-uuid' }, message: /Form id must be a UUID/ },
  ],
  'forms.create': [
    { input: { slug: 'SLUG', name: 'F', fields: [] }, message: /at least one metric/ },
    { input: { slug: 'SLUG', name: '', fields: [{ metricKey: 'revenue' }] }, message: /Name is required/ },
    { input: { slug: 'SLUG', name: big, fields: [{ metricKey: 'revenue' }] }, message: /at most 100/ },
    {
      input: { slug: 'SLUG', name: 'F', daysBack: 366, fields: [{ metricKey: 'revenue' }] },
      message: /at most 31 days back/,
    },
    {
      input: { slug: 'SLUG', name: 'F', daysBack: -1, fields: [{ metricKey: 'revenue' }] },
      message: /0 \(today only\)/,
    },
    { input: { slug: 'SLUG', name: 'F', daysBack: 1.5, fields: [{ metricKey: 'revenue' }] }, message: /whole number/ },
    {
      input: { slug: 'SLUG', name: 'F', fields: Array.from({ length: 51 }, () => ({ metricKey: 'revenue' })) },
      message: /at most 50 fields/,
    },
    {
      input: { slug: 'SLUG', name: 'F', fields: [{ metricKey: 'revenue' }, { metricKey: 'revenue' }] },
      message: /Each metric appears once/,
    },
    {
      input: { slug: 'SLUG', name: 'F', fields: [{ metricKey: 'no_such_metric' }] },
      message: /no metric with key "no_such_metric"/,
    },
    {
      input: { slug: 'SLUG', name: 'F', fields: [{ metricKey: 'revenue', help: big }] },
      message: /Help text is at most 300/,
    },
    { input: { slug: 'SLUG', name: 'F', fields: [{ metricKey: 'Robert; drop table' }] }, message: /Metric key/ },
  ],
  'forms.update': [
    { input: { slug: 'SLUG', id: 'FORM', fields: [] }, message: /at least one metric/ },
    { input: { slug: 'SLUG', id: 'FORM', description: big }, message: /at most 1000/ },
    { input: { slug: 'SLUG', id: 'FORM', fields: [{ metricKey: 'nope' }] }, message: /no metric with key "nope"/ },
    { input: { slug: 'SLUG', id: 42 }, message: /Form id must be a UUID/ },
  ],
  'forms.setPaused': [
    { input: { slug: 'SLUG', id: 'FORM', paused: 'yes' }, message: /paused is true or false/ },
    { input: { slug: 'SLUG', paused: true }, message: /Form id must be a UUID/ },
  ],
  'forms.rotateLink': [{ input: { slug: 'SLUG', id: big }, message: /Form id must be a UUID/ }],
  'forms.link': [{ input: { slug: 'SLUG', id: '' }, message: /Form id must be a UUID/ }],
  'forms.delete': [{ input: { slug: 'SLUG', id: [] }, message: /Form id must be a UUID/ }],
  'forms.publicGet': [
    { input: {}, message: /Form link is required/ },
    { input: { token: big }, message: /at most 100/ },
  ],
  'forms.submit': [
    { input: { token: 'TOKEN', values: [{ fieldId: 'FIELD', value: Number.NaN }] }, message: /finite number/ },
    {
      input: { token: 'TOKEN', values: [{ fieldId: 'FIELD', value: Number.POSITIVE_INFINITY }] },
      message: /finite number|Invalid input/,
    },
    { input: { token: 'TOKEN', values: [{ fieldId: 'FIELD', value: 1e300 }] }, message: /between -1e15 and 1e15/ },
    { input: { token: 'TOKEN', values: [{ fieldId: 'FIELD', value: '12' }] }, message: /finite number/ },
    {
      input: { token: 'TOKEN', values: [{ fieldId: '00000000-0000-4000-8000-000000000000', value: 1 }] },
      message: /no such field/,
    },
    { input: { token: 'TOKEN', values: [{ fieldId: 'not-a-field', value: 1 }] }, message: /Field id must be a UUID/ },
    { input: { token: 'TOKEN', values: [] }, message: /at least one value/ },
    {
      input: { token: 'TOKEN', values: Array.from({ length: 51 }, () => ({ fieldId: 'FIELD', value: 1 })) },
      message: /at most 50 fields/,
    },
    {
      input: { token: 'TOKEN', date: '2024-02-30', values: [{ fieldId: 'FIELD', value: 1 }] },
      message: /Not a real date/,
    },
    { input: { token: big, values: [{ fieldId: 'FIELD', value: 1 }] }, message: /at most 100/ },
  ],
  'backups.list': [
    { input: {}, message: /slug/ },
    { input: { slug: big }, message: /at most 48/ },
  ],
  'backups.start': [
    { input: { slug: 7 }, message: /slug/ },
    { input: { slug: 'Not A Slug' }, message: /slug/i },
  ],
  'backups.export': [
    { input: { slug: 'SLUG' }, message: /backupId/ },
    { input: { slug: 'SLUG', backupId: 'not-a-uuid' }, message: /Backup id must be a UUID/ },
    { input: { slug: 'SLUG', backupId: big }, message: /Backup id must be a UUID/ },
    { input: { backupId: '00000000-0000-4000-8000-000000000000' }, message: /slug/ },
  ],
  'alerts.list': [
    { input: {}, message: /slug/ },
    { input: { slug: 'Not A Slug' }, message: /slug/i },
  ],
  'alerts.get': [
    { input: { slug: 'SLUG' }, message: /id/ },
    { input: { slug: 'SLUG', id: 'rule-1' }, message: /Rule id must be a UUID/ },
    { input: { slug: 'SLUG', id: ZERO, event: 'latest' }, message: /Alert id must be a UUID/ },
  ],
  'alerts.create': [
    { input: { slug: 'SLUG' }, message: /name/ },
    { input: { slug: 'SLUG', ...RULE, name: '' }, message: /Name is required/ },
    { input: { slug: 'SLUG', ...RULE, name: big }, message: /at most 100/ },
    { input: { slug: 'SLUG', ...RULE, grain: 'hour' }, message: /Grain is one of/ },
    { input: { slug: 'SLUG', ...RULE, condition: { kind: 'magic' } }, message: /Condition kind is one of/ },
    {
      input: { slug: 'SLUG', ...RULE, condition: { kind: 'threshold', op: 'near', value: 1 } },
      message: /above or below/,
    },
    { input: { slug: 'SLUG', ...RULE, condition: { kind: 'threshold', op: 'above', value: '1' } }, message: /number/ },
    {
      input: { slug: 'SLUG', ...RULE, condition: { kind: 'threshold', op: 'above', value: 1e300 } },
      message: /between -1e15 and 1e15/,
    },
    {
      input: {
        slug: 'SLUG',
        ...RULE,
        condition: { kind: 'change', direction: 'up', by: 0, unit: 'percent', compareTo: 'previous' },
      },
      message: /more than 0/,
    },
    {
      input: { slug: 'SLUG', ...RULE, condition: { kind: 'stale', unit: 'hours', count: 1.5 } },
      message: /whole number/,
    },
    { input: { slug: 'SLUG', ...RULE, condition: { kind: 'pace', missBy: 150 } }, message: /at most 100 %/ },
    {
      input: { slug: 'SLUG', ...RULE, condition: { kind: 'anomaly', window: 500, minHistory: 5 } },
      message: /at most 90 periods/,
    },
    {
      input: { slug: 'SLUG', ...RULE, condition: { kind: 'anomaly', window: 10, minHistory: 20 } },
      message: /cannot be longer than the window/,
    },
    {
      input: { slug: 'SLUG', ...RULE, grain: 'quarter', condition: { kind: 'anomaly', window: 40, minHistory: 8 } },
      message: /quarter grain the window is at most 12/,
    },
    { input: { slug: 'SLUG', ...RULE, quietHours: { start: '25:00', end: '07:00' } }, message: /HH:MM/ },
    { input: { slug: 'SLUG', ...RULE, quietHours: { start: '07:00', end: '07:00' } }, message: /different times/ },
    { input: { slug: 'SLUG', ...RULE, cooldownMinutes: -5 }, message: /cannot be negative/ },
    { input: { slug: 'SLUG', ...RULE, cooldownMinutes: 1e9 }, message: /at most 30 days/ },
    { input: { slug: 'SLUG', ...RULE, recipients: { members: ['me'] } }, message: /membership id/ },
    {
      input: {
        slug: 'SLUG',
        ...RULE,
        recipients: { members: Array.from({ length: 51 }, () => '00000000-0000-4000-8000-000000000000') },
      },
      message: /At most 50 members/,
    },
    {
      input: { slug: 'SLUG', ...RULE, recipients: { members: ['00000000-0000-4000-8000-000000000000'] } },
      message: /not a member of this organization/,
    },
    { input: { slug: 'SLUG', ...RULE, metricKey: 'Revenue!' }, message: /Metric key/ },
  ],
  'alerts.update': [
    { input: { slug: 'SLUG', ...RULE }, message: /id/ },
    { input: { slug: 'SLUG', ...RULE, id: 'x' }, message: /Rule id must be a UUID/ },
    {
      input: { slug: 'SLUG', ...RULE, id: '00000000-0000-4000-8000-000000000000', condition: null },
      message: /condition/i,
    },
  ],
  'alerts.delete': [{ input: { slug: 'SLUG', id: 5 }, message: /Rule id must be a UUID/ }],
  'alerts.setPaused': [
    {
      input: { slug: 'SLUG', id: '00000000-0000-4000-8000-000000000000', paused: 'yes' },
      message: /paused is true or false/,
    },
  ],
  'alerts.preview': [
    { input: { slug: 'SLUG', metricKey: 'revenue', grain: 'day' }, message: /condition/i },
    {
      input: {
        slug: 'SLUG',
        metricKey: 'revenue',
        grain: 'week',
        condition: { kind: 'anomaly', window: 80, minHistory: 8 },
      },
      message: /week grain the window is at most 52/,
    },
  ],
  'alerts.acknowledge': [{ input: { slug: 'SLUG', eventId: 'latest' }, message: /Alert id must be a UUID/ }],
  'alerts.mute': [
    { input: { slug: 'SLUG', ruleId: 'x', until: null }, message: /Rule id must be a UUID/ },
    {
      input: { slug: 'SLUG', ruleId: '00000000-0000-4000-8000-000000000000', until: 'soon' },
      message: /Snooze until a date/,
    },
  ],
  'alerts.unmute': [{ input: { slug: 'SLUG', ruleId: [] }, message: /Rule id must be a UUID/ }],
  'alerts.channels': [{ input: { slug: '' }, message: /Organization is required/ }],
  'alerts.createChannel': [
    { input: { slug: 'SLUG', name: '', url: 'https://hooks.example.com/x' }, message: /Name is required/ },
    { input: { slug: 'SLUG', name: 'Hook', url: 'http://hooks.example.com/x' }, message: /must start with https/ },
    { input: { slug: 'SLUG', name: 'Hook', url: 'https://127.0.0.1/x' }, message: /loopback/ },
    { input: { slug: 'SLUG', name: 'Hook', url: 'https://[::ffff:169.254.169.254]/' }, message: /metadata/ },
    { input: { slug: 'SLUG', name: 'Hook', url: 'https://10.0.0.1/x' }, message: /private/ },
    { input: { slug: 'SLUG', name: 'Hook', url: 'https://localhost/x' }, message: /local or internal host/ },
    {
      input: { slug: 'SLUG', name: 'Hook', url: 'https://me:pw@hooks.example.com/' },
      message: /user name or password/,
    },
    { input: { slug: 'SLUG', name: 'Hook', url: `https://hooks.example.com/${big}` }, message: /at most 2000/ },
    {
      input: { slug: 'SLUG', name: 'Hook', url: 'https://hooks.example.com/x', format: 'xml' },
      message: /json or slack/,
    },
  ],
  'alerts.rotateChannelSecret': [{ input: { slug: 'SLUG', id: 'x' }, message: /Channel id must be a UUID/ }],
  'alerts.setChannelDisabled': [
    { input: { slug: 'SLUG', id: '00000000-0000-4000-8000-000000000000' }, message: /disabled is true or false/ },
  ],
  'alerts.deleteChannel': [{ input: { slug: 'SLUG', id: null }, message: /Channel id must be a UUID/ }],
  'notifications.list': [
    { input: { slug: 'SLUG', before: 'yesterday' }, message: /cursor is a notification id/ },
    { input: { slug: 'SLUG', unreadOnly: 'yes' }, message: /unreadOnly/ },
  ],
  'notifications.markRead': [
    { input: { slug: 'SLUG' }, message: /ids|all/ },
    { input: { slug: 'SLUG', ids: [] }, message: /ids|all/ },
    { input: { slug: 'SLUG', ids: ['x'] }, message: /ids|all|UUID/ },
    { input: { slug: 'SLUG', all: false }, message: /ids|all/ },
  ],
  'notifications.settings': [{ input: { slug: 5 }, message: /slug/ }],
  'notifications.updateSettings': [
    { input: { slug: 'SLUG', emailAlerts: true, digest: 'hourly' }, message: /off, daily or weekly/ },
    { input: { slug: 'SLUG', emailAlerts: 'no', digest: 'off' }, message: /on or off/ },
  ],
  'notifications.follow': [
    { input: { slug: 'SLUG', key: 'NOPE', following: true }, message: /Metric key/ },
    { input: { slug: 'SLUG', key: 'revenue', following: 1 }, message: /following is true or false/ },
  ],
  'org.create': [
    { input: {}, message: /name/i },
    { input: { name: '   ' }, message: /Organization name is required/ },
    { input: { name: big }, message: /at most 100/ },
    { input: { name: 'X', slug: 'Not A Slug!' }, message: /slug/i },
    { input: { name: 'X', slug: big }, message: /at most 48/ },
  ],
  'org.changeSlug': [
    { input: { slug: 'SLUG' }, message: /newSlug/ },
    { input: { slug: 'SLUG', newSlug: 'bad slug!' }, message: /slug/i },
    { input: { slug: 'SLUG', newSlug: big }, message: /at most 48/ },
    { input: { slug: 'SLUG', newSlug: '-dash-first' }, message: /slug/i },
  ],
  'org.resolveSlug': [
    { input: {}, message: /slug/ },
    { input: { slug: big }, message: /at most 48/ },
  ],
  'org.requestDeletion': [
    { input: { slug: 'SLUG' }, message: /confirmSlug/ },
    { input: { slug: 'SLUG', confirmSlug: big }, message: /exactly as shown/ },
    { input: { slug: 'SLUG', confirmSlug: 'not-the-address' }, message: /exactly to confirm/ },
  ],
  'org.deletionStatus': [{ input: { slug: 42 }, message: /slug/ }],
  'org.cancelDeletion': [{ input: { slug: 'Not A Slug' }, message: /slug/i }],
  'retention.get': [{ input: {}, message: /slug/ }],
  'retention.update': [
    { input: { slug: 'SLUG' }, message: /auditRetentionDays/ },
    {
      input: {
        slug: 'SLUG',
        auditRetentionDays: 7,
        dataRetentionDays: null,
        backupKeepDaily: null,
        backupKeepWeekly: null,
      },
      message: /at least 30 days/,
    },
    {
      input: {
        slug: 'SLUG',
        auditRetentionDays: 365,
        dataRetentionDays: 1e9,
        backupKeepDaily: null,
        backupKeepWeekly: null,
      },
      message: /at most 36500 days/,
    },
    {
      input: {
        slug: 'SLUG',
        auditRetentionDays: 365,
        dataRetentionDays: null,
        backupKeepDaily: 0,
        backupKeepWeekly: null,
      },
      message: /at least 1 daily/,
    },
    {
      input: {
        slug: 'SLUG',
        auditRetentionDays: 365,
        dataRetentionDays: null,
        backupKeepDaily: 300,
        backupKeepWeekly: null,
      },
      message: /service limits/,
    },
    {
      input: {
        slug: 'SLUG',
        auditRetentionDays: 365.5,
        dataRetentionDays: null,
        backupKeepDaily: null,
        backupKeepWeekly: null,
      },
      message: /whole days/,
    },
  ],
  'drills.latest': [{ input: { slug: [] }, message: /slug/ }],
  'evidence.export': [{ input: { slug: 'x'.repeat(49) }, message: /at most 48/ }],
};
// Procedures that take no input: extra input is ignored, so there is nothing bad to send.
const NO_INPUT = [
  'auth.signOut',
  'auth.me',
  'org.list',
  'api.metrics',
  'account.get',
  'account.revokeOtherSessions',
  'account.beginTwoFactor',
  'account.disableTwoFactor',
  'account.regenerateRecoveryCodes',
  'notifications.unreadCounts',
];

const withSlug = (input: unknown) => {
  if (!input || typeof input !== 'object') return input;
  if ((input as { token?: unknown }).token === 'SHARE') return { ...input, token: shareToken };
  if ((input as { token?: unknown }).token === 'TOKEN') {
    const out = input as { values?: { fieldId: string }[] };
    return {
      ...input,
      token: formToken,
      values: out.values?.map((v) => (v.fieldId === 'FIELD' ? { ...v, fieldId } : v)),
    };
  }
  if ((input as { slug?: unknown }).slug !== 'SLUG') return input;
  const out: Record<string, unknown> = { ...input, slug: owner.slug };
  if (out.id === 'IMPORT') out.id = importId;
  if (out.id === 'FORM') out.id = formId;
  return out;
};

describe('bad input through the caller', () => {
  it('covers every procedure of the router', () => {
    const all = Object.keys(appRouter._def.procedures);
    expect(all.filter((p) => !CASES[p] && !NO_INPUT.includes(p))).toEqual([]);
  });

  for (const [path, cases] of Object.entries(CASES)) {
    it(`${path}: BAD_REQUEST with a clear message and nothing changed`, async () => {
      const before = await snapshot(tdb);
      for (const { input, message } of cases) {
        const api = path.startsWith('api.') ? await h.asKey(keyToken) : await h.as(owner.cookie);
        const fn = path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], api) as (
          i: unknown,
        ) => Promise<unknown>;
        const err = await fn(withSlug(input)).then(
          () => null,
          (e: unknown) => e,
        );
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
    handler(
      new Request(`http://localhost/api/trpc/${path}`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', cookie: owner.cookie },
      }),
    );

  it('malformed JSON, wrong shapes and oversized values answer 400 with field errors, never 500', async () => {
    const before = await snapshot(tdb);
    const bodies: [string, string][] = [
      ['auth.signIn', '{"json":'],
      ['auth.signIn', 'not json at all'],
      ['auth.completeSignUp', JSON.stringify({ json: { token: 42 } })],
      ['org.update', JSON.stringify({ json: { slug: owner.slug, name: 'X', timezone: 'UTC', weekStart: 99 } })],
      ['org.update', JSON.stringify({ json: { slug: owner.slug, name: big, timezone: 'UTC', weekStart: 1 } })],
      ['members.invite', JSON.stringify({ json: { slug: owner.slug, email: 'x@example.com', role: 42 } })],
      ['account.changePassword', '{"json": {"currentPassword": '],
      ['invitations.signUpAndAccept', JSON.stringify({ json: { token: 'a'.repeat(40), password: ['x'] } })],
      [
        'audit.recordExport',
        JSON.stringify({ json: { slug: owner.slug, format: 'csv', cursor: 'x', from: '0001-01-01' } }),
      ],
    ];
    for (const [path, body] of bodies) {
      const res = await post(path, body);
      expect(res.status, `${path} ${body.slice(0, 40)}`).toBe(400);
      const json = (await res.json()) as {
        error: { json: { message: string; data: { fieldErrors?: Record<string, string[]> } } };
      };
      expect(json.error.json.message.length).toBeGreaterThan(5);
    }
    const res = await post(
      'org.update',
      JSON.stringify({ json: { slug: owner.slug, name: 'X', timezone: 'UTC', weekStart: 99 } }),
    );
    const json = (await res.json()) as { error: { json: { data: { fieldErrors: Record<string, string[]> } } } };
    expect(json.error.json.data.fieldErrors.weekStart?.[0]).toMatch(/0 \(Sunday\) to 6/);
    expect(await snapshot(tdb)).toEqual(before);
  });

  it('an unknown procedure is 404 and a GET to a mutation is 405', async () => {
    expect((await handler(new Request('http://localhost/api/trpc/nope.nothing'))).status).toBe(404);
    expect((await handler(new Request('http://localhost/api/trpc/org.update?input=%7B%7D'))).status).toBe(405);
  });
});
