import { Readable } from 'node:stream';
import { TRPCError } from '@trpc/server';
import fc from 'fast-check';
import pino from 'pino';
import { sessionTokenHash } from '@mfiq/auth';
import { createDb, sql, withTenant, type Database } from '@mfiq/db';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRestHandler } from './http/rest.ts';
import type { Role } from './permissions.ts';
import { appRouter } from './root.ts';
import { attackerInput, hostile, inputFromSchemas, type Known } from './testing/fuzz-inputs.ts';
import { createHarness, type Harness } from './testing/harness.ts';

/**
 * The attacker's layer: every procedure of the router (enumerated from the router itself) is
 * called with inputs generated from its own zod schema plus hostile values (wrong types, huge
 * strings and arrays, deep nesting, lone surrogates, NUL, RTL and zero-width characters,
 * prototype keys, NaN/Infinity/-0/1e308, dates out of range), as each role of organization A, as
 * A's API key and signed out; then the REST adapter with the same generators. Properties, per
 * call: never INTERNAL_SERVER_ERROR (a 5xx), never a change to organization B's rows, never a
 * polluted prototype, and never past the server's own bound on work: the pool runs with a low
 * statement_timeout, so a statement that would run long fails the first property, and a hang
 * guard catches anything else. Seeded and bounded; a failure prints the seed and path that replay
 * it (FUZZ_SEED=<seed> to run with another seed, FUZZ_RUNS=<n> for more runs per procedure).
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261206);
const RUNS = Number(process.env.FUZZ_RUNS ?? 4);
/** The server's bound for this suite: every statement of the app role's pool. */
const STATEMENT_TIMEOUT_MS = 2_000;
/** Far above any legal call: a call still running then is a hang. */
const HANG_GUARD_MS = 20_000;

let tdb: TestDatabase;
let db: Database;
let h: Harness;
type Org = Awaited<ReturnType<Harness['signUp']>> & { tenantId: string };
let a: Org;
let b: Org;
const members: { role: Role; userId: string; email: string }[] = [];
let keyToken: string;
const known: Record<string, unknown[]> = {};

const tenantOf = async (slug: string) =>
  (await tdb.owner.selectFrom('organizations').select('tenantId').where('slug', '=', slug).executeTakeFirstOrThrow())
    .tenantId;

/** Organization B's rows, every tenant table, as one fingerprint (read as the superuser). */
let tenantTables: string[] = [];
async function fingerprint(tenantId: string): Promise<string> {
  const parts = tenantTables.map(
    (t) => `select '${t}' as t, count(*)::int as n, md5(string_agg(x::text, ',' order by x::text)) as h
              from ${t} x where tenant_id = '${tenantId}'`,
  );
  const { rows } = await sql<{ t: string; n: number; h: string | null }>`${sql.raw(parts.join(' union all '))}`.execute(
    tdb.admin,
  );
  return rows.map((r) => `${r.t}:${r.n}:${r.h ?? ''}`).join('|');
}

/** Sessions made directly (no password hashing per caller), renewed when a call ended one. */
const cookies = new Map<string, string>();
const tokens = new Map<string, string>();
async function renewSessions() {
  for (const m of members) {
    const { token } = await h.auth.createSession(m.userId, { ip: null, userAgent: 'fuzz' });
    tokens.set(m.role, token);
    cookies.set(m.role, `${h.auth.cookieName}=${token}`);
  }
}

/** A's members as the fixtures left them: roles, no two-factor, not disabled, sessions alive. */
async function membersIntact(): Promise<boolean> {
  const { rows } = await sql<{ ok: boolean }>`
    select (select count(*) from memberships m join users u on u.id = m.user_id
             where m.tenant_id = ${a.tenantId} and u.disabled_at is null
               and (m.user_id, m.role::text) in (select * from unnest(${members.map((m) => m.userId)}::uuid[], ${members.map((m) => m.role)}::text[])))
           = ${members.length}
       and not exists (select 1 from user_two_factor where user_id = any(${members.map((m) => m.userId)}::uuid[]))
       and (select count(*) from sessions where id = any(${[...tokens.values()].map(sessionTokenHash)}::text[]))
           = ${members.length} as ok`.execute(tdb.admin);
  return rows[0]?.ok === true;
}

/** Undoes what a call changed about A's own members (roles, removal, two-factor, sessions). */
async function restoreMembers() {
  if (await membersIntact()) return;
  for (const m of members) {
    await tdb.owner.deleteFrom('recoveryCodes').where('userId', '=', m.userId).execute();
    await tdb.owner.deleteFrom('userTwoFactor').where('userId', '=', m.userId).execute();
    await tdb.owner.updateTable('users').set({ disabledAt: null }).where('id', '=', m.userId).execute();
    await withTenant(tdb.owner, { tenantId: a.tenantId }, (trx) =>
      trx
        .insertInto('memberships')
        .values({ tenantId: a.tenantId, userId: m.userId, role: m.role })
        .onConflict((oc) => oc.columns(['tenantId', 'userId']).doUpdateSet({ role: m.role }))
        .execute(),
    );
  }
  await renewSessions();
}

const HANG = Symbol('hang');
function guarded<T>(p: Promise<T>): Promise<T | typeof HANG> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<typeof HANG>((resolve) => (timer = setTimeout(() => resolve(HANG), HANG_GUARD_MS)));
  return Promise.race([p, hang]).finally(() => clearTimeout(timer));
}

/** Describes an outcome that breaks a property, or null. */
function violation(outcome: unknown): string | null {
  if (outcome === HANG) return `no answer within ${HANG_GUARD_MS} ms`;
  if (outcome instanceof TRPCError) {
    if (outcome.code === 'TIMEOUT') return `ran past the statement_timeout of ${STATEMENT_TIMEOUT_MS} ms`;
    if (outcome.code !== 'INTERNAL_SERVER_ERROR') return null;
    const cause = outcome.cause as { message?: string; code?: string } | undefined;
    return `INTERNAL_SERVER_ERROR: ${outcome.message} (cause: ${cause?.code ?? ''} ${cause?.message ?? String(cause)})`;
  }
  if (outcome instanceof Error) return `not a tRPC error: ${outcome.name}: ${outcome.message}`;
  return null;
}

const show = (v: unknown) => {
  try {
    return JSON.stringify(v, (_, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x))?.slice(0, 300);
  } catch {
    return String(v).slice(0, 300);
  }
};

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = createDb(tdb.urls.app, { statementTimeoutMs: STATEMENT_TIMEOUT_MS, applicationName: 'mfiq-fuzz' });
  h = createHarness({ ...tdb, app: db });
  const { rows } = await sql<{ name: string }>`
    select c.relname::text as name from pg_class c
     where c.relnamespace = 'public'::regnamespace and c.relkind = 'r'
       and exists (select 1 from pg_attribute t where t.attrelid = c.oid and t.attname = 'tenant_id' and not t.attisdropped)
     order by 1`.execute(tdb.admin);
  tenantTables = rows.map((r) => r.name);

  const orgs: Org[] = [];
  for (const name of ['fuzz-a', 'fuzz-b']) {
    const owner = await h.signUp(name);
    orgs.push({ ...owner, tenantId: await tenantOf(owner.slug) });
  }
  [a, b] = orgs as [Org, Org];
  members.push({ role: 'owner', userId: a.userId, email: a.email });
  for (const role of ['admin', 'editor', 'viewer'] as const) {
    const m = await h.addMember(a.slug, role);
    members.push({ role, userId: m.userId, email: m.email });
  }
  keyToken = (await h.createKey(a.cookie, a.slug, ['data:write', 'metrics:read'])).token;
  await renewSessions();

  // Each organization gets one of everything, so generated ids and keys can name real objects,
  // A's (to reach the handlers) and B's (to try to reach across).
  const objects = async (org: Org) => {
    const api = await h.as(org.cookie);
    await api.metrics.create({ slug: org.slug, key: 'revenue', name: 'Revenue' });
    await api.metrics.create({ slug: org.slug, key: 'signups', name: 'Signups', aggregation: 'count' });
    await api.metrics.create({ slug: org.slug, key: 'ratio', name: 'Ratio', formula: 'revenue / signups' });
    await api.points.upsert({
      slug: org.slug,
      key: 'revenue',
      points: Array.from({ length: 30 }, (_, i) => ({ date: `2024-01-${String(i + 1).padStart(2, '0')}`, value: i })),
    });
    const target = await api.targets.create({
      slug: org.slug,
      key: 'revenue',
      kind: 'recurring',
      grain: 'month',
      value: 9,
    });
    const board = await api.dashboards.create({ slug: org.slug, name: 'Board' });
    const tile = await api.dashboards.addTile({
      slug: org.slug,
      dashboardId: board.id,
      metricKey: 'ratio',
      kind: 'line',
    });
    const form = await api.forms.create({ slug: org.slug, name: 'Form', fields: [{ metricKey: 'revenue' }] });
    const page = await (await h.as()).forms.publicGet({ token: form.token });
    const imp = await api.imports.upload({
      slug: org.slug,
      fileName: 'f.csv',
      file: Readable.from([Buffer.from('metric,ts,value\nrevenue,2024-02-01T00:00:00Z,1\n')]),
    });
    const invitation = await api.members.invite({
      slug: org.slug,
      email: `invitee-${org.slug}@example.com`,
      role: 'viewer',
    });
    const membership = (await api.members.list({ slug: org.slug })).map((m) => m.membershipId);
    return {
      ids: [target.id, board.id, tile.id, form.id, page.fields[0]!.id, imp.id, invitation.invitationId, ...membership],
      token: form.token,
    };
  };
  const ofA = await objects(a);
  const ofB = await objects(b);
  const ids = [...ofA.ids, ...ofB.ids, '00000000-0000-0000-0000-000000000000'];
  Object.assign(known, {
    slug: [a.slug, a.slug, a.slug, a.slug, b.slug, 'no-such-org'],
    key: ['revenue', 'ratio', 'signups', 'ghost'],
    metricKey: ['revenue', 'ratio', 'signups'],
    metric: ['revenue', 'ratio'],
    // A's public link only: B's link would be B's own way in, legitimately.
    token: [ofA.token],
    email: [...members.map((m) => m.email), b.email, 'nobody@example.com'],
    formula: ['revenue / signups', 'ratio * ratio + revenue', '(((revenue)))'],
    ...Object.fromEntries(
      [
        'id',
        'dashboardId',
        'tileId',
        'fieldId',
        'membershipId',
        'invitationId',
        'backupId',
        'ownerMembershipId',
        'tileIds',
      ].map((k) => [k, ids]),
    ),
  } satisfies Known);
}, 120_000);

afterAll(async () => {
  await h.close();
  await db.destroy();
  await tdb.drop();
});

type Proc = { _def: { inputs: unknown[]; type: string } };
const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, Proc>);
const CALLERS = ['owner', 'admin', 'editor', 'viewer', 'signed-out', 'api-key'] as const;

describe('fuzzing every procedure as an attacker', () => {
  it('covers every procedure of the router', () => {
    expect(procedures.length).toBeGreaterThan(80);
  });

  for (const [path, proc] of procedures) {
    it(`${path}: no 5xx, nothing of another organization changed, within the bound`, async () => {
      const before = await fingerprint(b.tenantId);
      try {
        await fc.assert(
          fc.asyncProperty(fc.constantFrom(...CALLERS), attackerInput(proc._def.inputs, known), async (who, input) => {
            const api =
              who === 'api-key'
                ? await h.asKey(keyToken)
                : await h.as(who === 'signed-out' ? null : cookies.get(who)!, '203.0.113.50');
            const fn = path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], api) as (
              i: unknown,
            ) => Promise<unknown>;
            const outcome = await guarded(
              fn(input).then(
                () => 'ok',
                (e: unknown) => e,
              ),
            );
            const broken = violation(outcome);
            if (broken) throw new Error(`${path} as ${who}: ${broken}\ninput: ${show(input)}`);
            expect(({} as Record<string, unknown>).polluted, 'Object.prototype polluted').toBeUndefined();
            expect(await fingerprint(b.tenantId), `${path} as ${who} changed organization B`).toBe(before);
          }),
          { seed: SEED, numRuns: RUNS, endOnFailure: true },
        );
      } finally {
        await restoreMembers();
      }
    }, 120_000);
  }
});

describe('fuzzing the REST adapter (/api/v1) as an attacker', () => {
  it('answers every generated request below 500 and never changes another organization', async () => {
    const rest = createRestHandler({ createContext: h.createContext, logger: pino({ level: 'silent' }) });
    const push = (appRouter._def.procedures as unknown as Record<string, Proc>)['api.push']!._def.inputs;
    const series = (appRouter._def.procedures as unknown as Record<string, Proc>)['api.series']!._def.inputs;
    const body = fc.oneof(
      attackerInput(push, known).map((v) => show(v) ?? ''),
      inputFromSchemas(push, known).map((v) => JSON.stringify(v)),
      hostile.map((v) => (typeof v === 'string' ? v : (show(v) ?? ''))),
    );
    const key = fc.oneof(
      fc.constantFrom('revenue', 'ratio', '%2e%2e', '..', 'a%2Fb', '%ZZ', ''),
      fc.string({ maxLength: 20 }),
    );
    const paths = fc.oneof(
      fc.constantFrom(
        '/api/v1/points',
        '/api/v1/points/',
        '/api/v1//points',
        '/API/V1/points',
        '/api/v1/metrics',
        '/api/v1/openapi.json',
        '/api/v1/nope',
        '/api/v1/%70oints',
      ),
      key.map((k) => `/api/v1/metrics/${k}/series`),
    );
    const query = inputFromSchemas(series, known).map((v) =>
      new URLSearchParams(
        Object.entries((v ?? {}) as Record<string, unknown>).map(([k, x]) => [k, String(x)] as [string, string]),
      ).toString(),
    );
    const auth = fc.constantFrom(
      `Bearer ${keyToken}`,
      'Bearer mfiq_' + 'A'.repeat(43),
      'Basic Zm9vOmJhcg==',
      '',
      `Bearer ${keyToken} x`,
    );
    const before = await fingerprint(b.tenantId);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'),
        paths,
        query,
        body,
        auth,
        fc.option(fc.oneof(fc.string({ maxLength: 300 }), fc.constantFrom('\u0000', 'k'.repeat(300))), {
          nil: undefined,
        }),
        async (method, path, q, text, authorization, idempotencyKey) => {
          const headers = new Headers({ 'content-type': 'application/json' });
          if (authorization) headers.set('authorization', authorization);
          // Header values cannot hold every string; the ones fetch refuses never reach a server.
          if (idempotencyKey !== undefined) {
            try {
              headers.set('idempotency-key', idempotencyKey);
            } catch {
              /* not sendable */
            }
          }
          const req = new Request(`http://localhost${path}?${q}`, {
            method,
            headers,
            ...(method === 'GET' || method === 'HEAD' ? {} : { body: text }),
          });
          const res = await guarded(rest(req, '198.51.100.77'));
          if (res === HANG) throw new Error(`${method} ${path}: no answer within ${HANG_GUARD_MS} ms`);
          if (res.status >= 500)
            throw new Error(`${method} ${path}?${q}: ${res.status} ${await res.text()}\nbody: ${text.slice(0, 300)}`);
          expect(await fingerprint(b.tenantId)).toBe(before);
        },
      ),
      { seed: SEED, numRuns: RUNS * 30, endOnFailure: true },
    );
  }, 120_000);
});
