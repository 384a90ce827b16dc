import { TRPCError } from '@trpc/server';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from './root.ts';
import { can, ROLES } from './permissions.ts';
import type { Access } from './trpc.ts';
import { createHarness, TEST_PASSWORD, type Harness } from './testing/harness.ts';

/**
 * The authorization matrix, proven for every procedure the router has. Procedures are enumerated
 * from the router itself; each must declare its access (public, authed, or a tenant permission)
 * and have a sample input here. Every procedure is then called as each role of an organization, as
 * a member of another organization, signed out and with a revoked session, and each outcome must
 * equal what the permission matrix declares.
 */
type Sample = (ctx: { slug: string; n: number; signInEmail: string }) => unknown;
const SAMPLES: Record<string, Sample> = {
  'auth.signUp': ({ n }) => ({ email: `matrix-${n}@example.com`, password: TEST_PASSWORD, displayName: 'M', organizationName: `Matrix ${n}` }),
  'auth.signIn': ({ signInEmail }) => ({ email: signInEmail, password: TEST_PASSWORD }),
  'auth.signOut': () => undefined,
  'auth.me': () => undefined,
  'org.list': () => undefined,
  'org.get': ({ slug }) => ({ slug }),
  'org.update': ({ slug }) => ({ slug, name: 'Matrix Org', timezone: 'UTC', weekStart: 1 }),
};

const SESSION_ENDING = new Set(['auth.signUp', 'auth.signIn', 'auth.signOut']);

type Caller = 'owner' | 'admin' | 'editor' | 'viewer' | 'other-tenant' | 'signed-out' | 'revoked';
const CALLERS: Caller[] = [...ROLES, 'other-tenant', 'signed-out', 'revoked'];
type Outcome = 'allowed' | 'FORBIDDEN' | 'NOT_FOUND' | 'UNAUTHORIZED';

function expected(access: Access, caller: Caller): Outcome {
  if (access.kind === 'public') return 'allowed';
  if (caller === 'signed-out' || caller === 'revoked') return 'UNAUTHORIZED';
  if (access.kind === 'authed') return 'allowed';
  if (caller === 'other-tenant') return 'NOT_FOUND';
  return can(caller, access.permission) ? 'allowed' : 'FORBIDDEN';
}

const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { meta?: { access?: Access }; type: string } }>);

let tdb: TestDatabase;
let h: Harness;
beforeAll(async () => {
  tdb = await createTestDatabase();
  h = createHarness(tdb);
});
afterAll(async () => {
  await h.close();
  await tdb.drop();
});

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
        const api = await h.as(cookie);
        const input = SAMPLES[path]!({ slug: owner.slug, n, signInEmail: signInUser.email });
        const fn = path.split('.').reduce<unknown>((obj, key) => (obj as Record<string, unknown>)[key], api) as (i: unknown) => Promise<unknown>;
        const outcome: string = await fn(input).then(
          () => 'allowed',
          (e: unknown) => (e instanceof TRPCError ? e.code : `threw ${String(e)}`),
        );
        const want = expected(access, caller);
        table[path]![caller] = outcome === want ? outcome : `${outcome} (want ${want})`;
        if (outcome !== want) mismatches.push(`${path} as ${caller}: got ${outcome}, want ${want}`);
      }
    }
    console.log(`authorization matrix: ${procedures.length} procedures x ${CALLERS.length} callers = ${n} calls`);
    console.table(table);
    expect(mismatches).toEqual([]);
  });
});
