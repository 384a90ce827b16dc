import { Readable } from 'node:stream';
import { TRPCError } from '@trpc/server';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from './root.ts';
import { can, ROLES, type ApiScope } from './permissions.ts';
import { withTenant } from '@mfiq/db';
import type { Access } from './trpc.ts';
import { createHarness, TEST_PASSWORD, type Harness } from './testing/harness.ts';

/**
 * The authorization matrix, proven for every procedure the router has. Procedures are enumerated
 * from the router itself; each must declare its access (public, authed, or a tenant permission)
 * and have a sample input here. Every procedure is then called as each role of an organization, as
 * a member of another organization, signed out and with a revoked session, and each outcome must
 * equal what the permission matrix declares.
 */
interface SampleContext {
  slug: string;
  n: number;
  signInEmail: string;
  /** A fresh target / API key of the organization, for procedures that consume one. */
  freshTarget: () => Promise<string>;
  freshKey: () => Promise<string>;
  /** A fresh dashboard of the organization, and a fresh tile on one. */
  freshDashboard: () => Promise<string>;
  freshTile: () => Promise<{ dashboardId: string; tileId: string }>;
  /** A freshly uploaded (not yet started) CSV import of the organization. */
  freshImport: () => Promise<string>;
  tdb: TestDatabase;
}
type Sample = (ctx: SampleContext) => unknown;
const METRIC = 'matrix_metric';
const SAMPLES: Record<string, Sample> = {
  'auth.signUp': ({ n }) => ({ email: `matrix-${n}@example.com`, password: TEST_PASSWORD, displayName: 'M', organizationName: `Matrix ${n}` }),
  'auth.signIn': ({ signInEmail }) => ({ email: signInEmail, password: TEST_PASSWORD }),
  'auth.signOut': () => undefined,
  'auth.me': () => undefined,
  'org.list': () => undefined,
  'org.get': ({ slug }) => ({ slug }),
  'org.update': ({ slug }) => ({ slug, name: 'Matrix Org', timezone: 'UTC', weekStart: 1 }),
  'contact.submit': ({ n }) => ({ name: 'Matrix', email: `contact-${n}@example.com`, topic: 'sales', message: 'A message from the matrix test.' }),
  'metrics.list': ({ slug }) => ({ slug, search: 'matrix' }),
  'metrics.get': ({ slug }) => ({ slug, key: METRIC }),
  'metrics.owners': ({ slug }) => ({ slug }),
  'metrics.create': ({ slug, n }) => ({ slug, key: `matrix_${n}`, name: `Matrix ${n}` }),
  'metrics.update': ({ slug }) => ({ slug, key: METRIC, name: 'Matrix metric', tags: ['matrix'] }),
  'metrics.setArchived': ({ slug }) => ({ slug, key: METRIC, archived: false }),
  'metrics.series': ({ slug }) => ({ slug, key: METRIC, grain: 'week', from: '2024-01-01', to: '2024-03-31' }),
  'metrics.periodToDate': ({ slug }) => ({ slug, key: METRIC, grain: 'month', asOf: '2024-03-15' }),
  'points.list': ({ slug }) => ({ slug, key: METRIC }),
  'points.upsert': ({ slug, n }) => ({ slug, key: METRIC, points: [{ date: '2024-01-01', value: n }] }),
  'points.delete': ({ slug }) => ({ slug, key: METRIC, ts: ['2023-01-01T00:00:00Z'] }),
  'targets.list': ({ slug }) => ({ slug, key: METRIC, asOf: '2024-03-15' }),
  'targets.create': ({ slug }) => ({ slug, key: METRIC, kind: 'recurring', grain: 'month', value: 100 }),
  'targets.update': async ({ slug, freshTarget }) => ({ id: await freshTarget(), slug, kind: 'recurring', grain: 'week', value: 5 }),
  'targets.delete': async ({ slug, freshTarget }) => ({ slug, id: await freshTarget() }),
  'apiKeys.list': ({ slug }) => ({ slug }),
  'apiKeys.create': ({ slug, n }) => ({ slug, name: `Matrix ${n}`, scopes: ['metrics:read'] }),
  'apiKeys.revoke': async ({ slug, freshKey }) => ({ slug, id: await freshKey() }),
  'api.push': ({ n }) => ({ points: [{ metric: METRIC, ts: '2024-02-01T00:00:00Z', value: n }] }),
  'api.series': () => ({ key: METRIC, grain: 'month', from: '2024-01-01', to: '2024-03-31' }),
  'api.metrics': () => undefined,
  'dashboards.list': ({ slug }) => ({ slug }),
  'dashboards.get': ({ slug }) => ({ slug, range: '30d', grain: 'week' }),
  'dashboards.create': ({ slug, n }) => ({ slug, name: `Matrix ${n}` }),
  'dashboards.update': async ({ slug, freshDashboard }) => ({ slug, id: await freshDashboard(), name: 'Renamed' }),
  'dashboards.delete': async ({ slug, freshDashboard }) => ({ slug, id: await freshDashboard() }),
  'dashboards.addTile': async ({ slug, freshDashboard }) => ({ slug, dashboardId: await freshDashboard(), metricKey: METRIC, kind: 'line' }),
  'dashboards.removeTile': async ({ slug, freshTile }) => ({ slug, ...(await freshTile()) }),
  'dashboards.reorderTiles': async ({ slug, freshTile }) => {
    const { dashboardId, tileId } = await freshTile();
    return { slug, dashboardId, tileIds: [tileId] };
  },
  'imports.upload': ({ slug }) => ({ slug, fileName: 'matrix.csv', file: Readable.from([Buffer.from(IMPORT_CSV)]) }),
  'imports.list': ({ slug }) => ({ slug }),
  'imports.get': async ({ slug, freshImport }) => ({ slug, id: await freshImport() }),
  'imports.preview': async ({ slug, freshImport }) => ({ slug, id: await freshImport(), mapping: IMPORT_MAPPING }),
  'imports.start': async ({ slug, freshImport }) => ({ slug, id: await freshImport(), mapping: IMPORT_MAPPING }),
  'imports.errors': async ({ slug, freshImport }) => ({ slug, id: await freshImport() }),
  'audit.list': ({ slug }) => ({ slug, action: 'organization.updated' }),
  'audit.verify': ({ slug }) => ({ slug }),
  'audit.recordExport': ({ slug }) => ({ slug, format: 'csv' }),
  'backups.list': ({ slug }) => ({ slug }),
  'backups.start': ({ slug }) => ({ slug }),
  'backups.export': async ({ slug, tdb }) => ({ slug, backupId: await succeededBackup(tdb, slug) }),
};
const IMPORT_CSV = `metric,ts,value\n${METRIC},2024-01-01T00:00:00Z,1\n`;
const IMPORT_MAPPING = { metricColumn: 'metric', timestampColumn: 'ts', timestampFormat: 'iso', valueColumn: 'value' };

/** A finished backup of the organization (a fixture row: the export procedure authorizes and audits; the web streams). */
const backups = new Map<string, string>();
async function succeededBackup(tdb: TestDatabase, slug: string): Promise<string> {
  if (!backups.has(slug)) {
    const org = await tdb.admin.selectFrom('organizations').select('tenantId').where('slug', '=', slug).executeTakeFirstOrThrow();
    const row = await tdb.admin.insertInto('backups').values({ tenantId: org.tenantId, kind: 'scheduled', status: 'succeeded' }).returning('id').executeTakeFirstOrThrow();
    backups.set(slug, row.id);
  }
  return backups.get(slug)!;
}

const SESSION_ENDING = new Set(['auth.signUp', 'auth.signIn', 'auth.signOut']);

type SessionCaller = 'owner' | 'admin' | 'editor' | 'viewer' | 'other-tenant' | 'signed-out' | 'revoked';
// API keys of the organization with each scope combination, a key of another organization (all
// scopes) and a revoked key (all scopes).
const KEY_CALLERS = ['key:data:write', 'key:metrics:read', 'key:both', 'key:other-org', 'key:revoked'] as const;
type KeyCaller = (typeof KEY_CALLERS)[number];
type Caller = SessionCaller | KeyCaller;
const CALLERS: Caller[] = [...ROLES, 'other-tenant', 'signed-out', 'revoked', ...KEY_CALLERS];
type Outcome = 'allowed' | 'FORBIDDEN' | 'NOT_FOUND' | 'UNAUTHORIZED';
const KEY_SCOPES: Record<Exclude<KeyCaller, 'key:revoked'>, ApiScope[]> = {
  'key:data:write': ['data:write'],
  'key:metrics:read': ['metrics:read'],
  'key:both': ['data:write', 'metrics:read'],
  'key:other-org': ['data:write', 'metrics:read'],
};
// API procedures whose sample names one of the organization's metrics: another organization's key
// must not find it.
const NAMES_TENANT_OBJECT = new Set(['api.push', 'api.series']);
const isKey = (c: Caller): c is KeyCaller => c.startsWith('key:');

function expected(access: Access, caller: Caller, path: string): Outcome {
  if (access.kind === 'public') return 'allowed';
  if (access.kind === 'apiKey') {
    if (!isKey(caller) || caller === 'key:revoked') return 'UNAUTHORIZED';
    if (!KEY_SCOPES[caller].includes(access.scope)) return 'FORBIDDEN';
    return caller === 'key:other-org' && NAMES_TENANT_OBJECT.has(path) ? 'NOT_FOUND' : 'allowed';
  }
  if (isKey(caller) || caller === 'signed-out' || caller === 'revoked') return 'UNAUTHORIZED';
  if (access.kind === 'authed') return 'allowed';
  if (caller === 'other-tenant') return 'NOT_FOUND';
  return can(caller, access.permission) ? 'allowed' : 'FORBIDDEN';
}

function isUnknownEverywhere(result: unknown): boolean {
  const r = result as { written?: unknown; errors?: { code: string }[] } | null;
  return r?.written === 0 && Array.isArray(r.errors) && r.errors.length > 0 && r.errors.every((e) => e.code === 'unknown_metric');
}

const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { meta?: { access?: Access }; type: string } }>);

let tdb: TestDatabase;
let h: Harness;
beforeAll(async () => {
  tdb = await createTestDatabase();
  h = createHarness(tdb);
});
afterAll(() => tdb.drop());

describe('authorization matrix', () => {
  it('every procedure declares its access and has a sample input', () => {
    const undeclared = procedures.filter(([, p]) => !p._def.meta?.access).map(([path]) => path);
    const unsampled = procedures.filter(([path]) => !SAMPLES[path]).map(([path]) => path);
    expect(undeclared, 'procedures without declared access').toEqual([]);
    expect(unsampled, 'procedures without a sample input in authorization.test.ts').toEqual([]);
  });

  it('each outcome equals the matrix, for every procedure and every kind of caller', async () => {
    const owner = await h.signUp('owner');
    const cookies: Partial<Record<Caller, string | null>> = { owner: owner.cookie, 'signed-out': null };
    const emails: Partial<Record<Caller, string>> = { owner: owner.email };
    for (const role of ['admin', 'editor', 'viewer'] as const) {
      const member = await h.addMember(owner.slug, role);
      cookies[role] = member.cookie;
      emails[role] = member.email;
    }
    const outsider = await h.signUp('outsider');
    cookies['other-tenant'] = outsider.cookie;
    emails['other-tenant'] = outsider.email;
    const revoked = await h.signUp('revoked');
    await (await h.as(revoked.cookie)).auth.signOut();
    cookies.revoked = revoked.cookie;
    const signInUser = await h.signUp('signin');
    const ownerApi = await h.as(owner.cookie);
    await ownerApi.metrics.create({ slug: owner.slug, key: METRIC, name: 'Matrix metric' });
    const tokens: Partial<Record<KeyCaller, string>> = {};
    for (const c of ['key:data:write', 'key:metrics:read', 'key:both'] as const) tokens[c] = (await h.createKey(owner.cookie, owner.slug, KEY_SCOPES[c])).token;
    tokens['key:other-org'] = (await h.createKey(outsider.cookie, outsider.slug, KEY_SCOPES['key:other-org'])).token;
    const revokedKey = await h.createKey(owner.cookie, owner.slug, ['data:write', 'metrics:read']);
    await ownerApi.apiKeys.revoke({ slug: owner.slug, id: revokedKey.id });
    tokens['key:revoked'] = revokedKey.token;
    const org = await tdb.owner.selectFrom('organizations').select('tenantId').where('slug', '=', owner.slug).executeTakeFirstOrThrow();
    const metric = await tdb.admin.selectFrom('metrics').select('id').where('tenantId', '=', org.tenantId).where('key', '=', METRIC).executeTakeFirstOrThrow();
    const fixture = <T,>(fn: Parameters<typeof withTenant<T>>[2]) => withTenant(tdb.owner, { tenantId: org.tenantId }, fn);
    const freshTarget = () =>
      fixture((trx) => trx.insertInto('metricTargets').values({ tenantId: org.tenantId, metricId: metric.id, kind: 'recurring', grain: 'month', value: 1 }).returning('id').executeTakeFirstOrThrow()).then((r) => r.id);
    const freshKey = async () => (await h.createKey(owner.cookie, owner.slug, ['metrics:read'])).id;
    const freshDashboard = () =>
      fixture((trx) => trx.insertInto('dashboards').values({ tenantId: org.tenantId, name: 'Matrix board' }).returning('id').executeTakeFirstOrThrow()).then((r) => r.id);
    const freshTile = async () => {
      const dashboardId = await freshDashboard();
      const tile = await fixture((trx) =>
        trx.insertInto('dashboardTiles').values({ tenantId: org.tenantId, dashboardId, metricId: metric.id, kind: 'number', position: 0 }).returning('id').executeTakeFirstOrThrow(),
      );
      return { dashboardId, tileId: tile.id };
    };
    const freshImport = async () => (await ownerApi.imports.upload({ slug: owner.slug, fileName: 'fresh.csv', file: Readable.from([Buffer.from(IMPORT_CSV)]) })).id;

    let n = 0;
    const table: Record<string, Record<string, string>> = {};
    const mismatches: string[] = [];
    for (const [path, proc] of procedures) {
      const access = proc._def.meta!.access!;
      table[path] = {};
      for (const caller of CALLERS) {
        n += 1;
        // Sign-in, sign-up and sign-out end the session the request carries, so they get one of their own.
        let cookie = cookies[caller] ?? null;
        const email = emails[caller];
        if (SESSION_ENDING.has(path) && email) {
          const fresh = await h.as();
          await fresh.auth.signIn({ email, password: TEST_PASSWORD });
          cookie = h.cookieFrom(fresh.resHeaders);
        }
        const api = isKey(caller) ? await h.asKey(tokens[caller]!) : await h.as(cookie);
        const input = await SAMPLES[path]!({ slug: owner.slug, n, signInEmail: signInUser.email, freshTarget, freshKey, freshDashboard, freshTile, freshImport, tdb });
        const fn = path.split('.').reduce<unknown>((obj, key) => (obj as Record<string, unknown>)[key], api) as (i: unknown) => Promise<unknown>;
        const outcome: string = await fn(input).then(
          // A push naming only metrics the key's organization does not have writes nothing: every
          // point comes back unknown, which is how "not found" looks for a batch.
          (r) => (isUnknownEverywhere(r) ? 'NOT_FOUND' : 'allowed'),
          (e: unknown) => (e instanceof TRPCError ? e.code : `threw ${String(e)}`),
        );
        const want = expected(access, caller, path);
        table[path]![caller] = outcome === want ? outcome : `${outcome} (want ${want})`;
        if (outcome !== want) mismatches.push(`${path} as ${caller}: got ${outcome}, want ${want}`);
      }
    }
    console.log(`authorization matrix: ${procedures.length} procedures x ${CALLERS.length} callers = ${n} calls`);
    console.table(table);
    expect(mismatches).toEqual([]);
  });
});
