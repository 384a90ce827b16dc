import { TRPCError } from '@trpc/server';
import { sql, withTenant } from '@mfiq/db';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, snapshot, type Harness } from '../../testing/harness.ts';
import { MAX_OWNED_ORGANIZATIONS } from './create.ts';

let tdb: TestDatabase;
let h: Harness;
beforeAll(async () => {
  tdb = await createTestDatabase();
  h = createHarness(tdb, { lifecycle: { deletionGraceDays: 3 } });
});
afterAll(async () => {
  await h.close();
  await tdb.drop();
});

const code = (p: Promise<unknown>) =>
  p.then(
    () => 'OK',
    (e: unknown) => (e instanceof TRPCError ? e.code : `THREW ${String(e)}`),
  );
const messageOf = (p: Promise<unknown>) =>
  p.then(
    () => '',
    (e: Error) => e.message,
  );
const tenantOf = async (slug: string) =>
  (await tdb.admin.selectFrom('organizations').select('tenantId').where('slug', '=', slug).executeTakeFirstOrThrow())
    .tenantId;
const outbox = (tenantId: string, action: string) =>
  tdb.admin
    .selectFrom('auditOutbox')
    .selectAll()
    .where('tenantId', '=', tenantId)
    .where('action', '=', action)
    .execute();

describe('more than one organization per person', () => {
  it('a signed-in user creates another organization, becomes its owner, and sees both in the switcher', async () => {
    const user = await h.signUp('multi');
    const api = await h.as(user.cookie);
    const created = await api.org.create({ name: 'Second Org', slug: 'second-org' });
    expect(created).toEqual({ slug: 'second-org', name: 'Second Org' });
    expect((await api.org.list()).map((o) => [o.slug, o.role]).sort()).toEqual(
      [
        [user.slug, 'owner'],
        ['second-org', 'owner'],
      ].sort(),
    );
    expect((await api.org.get({ slug: 'second-org' })).role).toBe('owner');
    const tenantId = await tenantOf('second-org');
    expect((await outbox(tenantId, 'organization.created'))[0]).toMatchObject({
      actorId: user.userId,
      after: { slug: 'second-org', name: 'Second Org' },
    });
    expect(await outbox(tenantId, 'member.added')).toHaveLength(1);
    // Without a slug, one is made from the name.
    expect((await api.org.create({ name: 'Third Örg!' })).slug).toBe('third-org');
  });

  it('refuses a taken address, and creating as a signed-out caller', async () => {
    const user = await h.signUp('taken');
    const before = await snapshot(tdb);
    const err = await (await h.as(user.cookie)).org.create({ name: 'Dup', slug: user.slug }).catch((e: TRPCError) => e);
    expect((err as TRPCError).code).toBe('CONFLICT');
    expect(await code((await h.as()).org.create({ name: 'Anon' }))).toBe('UNAUTHORIZED');
    expect(await snapshot(tdb)).toEqual(before);
  });

  it(`one person owns at most ${MAX_OWNED_ORGANIZATIONS} organizations, also when the requests race`, async () => {
    const user = await h.signUp('limit');
    const api = await h.as(user.cookie);
    for (let i = 2; i <= MAX_OWNED_ORGANIZATIONS - 2; i++) await api.org.create({ name: `Limit ${i}` });
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => code((await h.as(user.cookie)).org.create({ name: `Race ${i}` }))),
    );
    expect(outcomes.filter((o) => o === 'OK')).toHaveLength(2);
    expect(outcomes.filter((o) => o === 'CONFLICT')).toHaveLength(4);
    expect((await api.org.list()).filter((o) => o.role === 'owner')).toHaveLength(MAX_OWNED_ORGANIZATIONS);
  });
});

describe('changing the slug', () => {
  it('only the owner may; the old address redirects members for 30 days, audited', async () => {
    const owner = await h.signUp('slugowner');
    const admin = await h.addMember(owner.slug, 'admin');
    const old = owner.slug;
    expect(await code((await h.as(admin.cookie)).org.changeSlug({ slug: old, newSlug: 'admin-tried' }))).toBe(
      'FORBIDDEN',
    );
    const api = await h.as(owner.cookie);
    expect(await api.org.changeSlug({ slug: old, newSlug: 'renamed-org' })).toEqual({ slug: 'renamed-org' });
    // The procedures never follow a redirect: the old slug is simply not found.
    expect(await code(api.org.get({ slug: old }))).toBe('NOT_FOUND');
    expect(await api.org.resolveSlug({ slug: old })).toEqual({ slug: 'renamed-org' });
    expect(await (await h.as(admin.cookie)).org.resolveSlug({ slug: old })).toEqual({ slug: 'renamed-org' });
    const [event] = await outbox(await tenantOf('renamed-org'), 'organization.slug_changed');
    expect(event).toMatchObject({ actorId: owner.userId, before: { slug: old }, after: { slug: 'renamed-org' } });
    const redirect = await tdb.admin
      .selectFrom('organizationSlugRedirects')
      .selectAll()
      .where('oldSlug', '=', old)
      .executeTakeFirstOrThrow();
    const days = (redirect.expiresAt.getTime() - redirect.createdAt.getTime()) / 86_400_000;
    expect(Math.round(days)).toBe(30);
  });

  it('a redirect reaches nothing for a removed member or another organization, and nobody else can take the old slug', async () => {
    const owner = await h.signUp('slugsafe');
    const member = await h.addMember(owner.slug, 'editor');
    const outsider = await h.signUp('slugoutsider');
    const old = owner.slug;
    await (await h.as(owner.cookie)).org.changeSlug({ slug: old, newSlug: 'safe-new' });
    await tdb.admin.deleteFrom('memberships').where('userId', '=', member.userId).execute();
    for (const cookie of [member.cookie, outsider.cookie]) {
      const api = await h.as(cookie);
      expect(await code(api.org.resolveSlug({ slug: old }))).toBe('NOT_FOUND');
      expect(await code(api.org.get({ slug: old }))).toBe('NOT_FOUND');
      expect(await code(api.org.get({ slug: 'safe-new' }))).toBe('NOT_FOUND');
      // The same answer as for an address that never existed.
      expect(await messageOf(api.org.resolveSlug({ slug: old }))).toBe(
        await messageOf(api.org.resolveSlug({ slug: 'never-existed' })),
      );
    }
    // Reserved for the organization that gave it up: another cannot take it, by creating or renaming.
    const outsiderApi = await h.as(outsider.cookie);
    expect(await code(outsiderApi.org.create({ name: 'Squatter', slug: old }))).toBe('CONFLICT');
    expect(await code(outsiderApi.org.changeSlug({ slug: outsider.slug, newSlug: old }))).toBe('CONFLICT');
    // ...but the organization itself may take its old address back.
    expect(await (await h.as(owner.cookie)).org.changeSlug({ slug: 'safe-new', newSlug: old })).toEqual({ slug: old });
    expect(await code((await h.as(owner.cookie)).org.resolveSlug({ slug: old }))).toBe('NOT_FOUND');
  });

  it('after 30 days the redirect ends and the old slug is free again', async () => {
    const owner = await h.signUp('slugexpiry');
    const old = owner.slug;
    await (await h.as(owner.cookie)).org.changeSlug({ slug: old, newSlug: 'expiry-new' });
    await tdb.admin
      .updateTable('organizationSlugRedirects')
      .set({ expiresAt: sql<Date>`now() - interval '1 second'` })
      .where('oldSlug', '=', old)
      .execute();
    expect(await code((await h.as(owner.cookie)).org.resolveSlug({ slug: old }))).toBe('NOT_FOUND');
    const other = await h.signUp('slugtaker');
    expect((await (await h.as(other.cookie)).org.create({ name: 'Taker', slug: old })).slug).toBe(old);
  });
});

describe('deleting an organization', () => {
  async function setup(prefix: string) {
    const owner = await h.signUp(prefix);
    const admin = await h.addMember(owner.slug, 'admin');
    const viewer = await h.addMember(owner.slug, 'viewer');
    return { owner, admin, viewer, tenantId: await tenantOf(owner.slug) };
  }

  it('needs the owner, a recent sign-in and the address typed; a refused request changes nothing', async () => {
    const { owner, admin, tenantId } = await setup('delguard');
    const before = await snapshot(tdb);
    expect(
      await code((await h.as(admin.cookie)).org.requestDeletion({ slug: owner.slug, confirmSlug: owner.slug })),
    ).toBe('FORBIDDEN');
    const wrong = await (
      await h.as(owner.cookie)
    ).org
      .requestDeletion({ slug: owner.slug, confirmSlug: `${owner.slug}x` })
      .then(
        () => null,
        (e: TRPCError & { fieldErrors?: Record<string, string[]> }) => e,
      );
    expect(wrong?.code).toBe('BAD_REQUEST');
    expect(wrong?.fieldErrors?.confirmSlug?.[0]).toBe(`Type ${owner.slug} exactly to confirm.`);
    await tdb.admin
      .updateTable('sessions')
      .set({ authenticatedAt: sql<Date>`now() - interval '11 minutes'` })
      .where('userId', '=', owner.userId)
      .execute();
    const stale = await (
      await h.as(owner.cookie)
    ).org
      .requestDeletion({ slug: owner.slug, confirmSlug: owner.slug })
      .then(
        () => null,
        (e: TRPCError & { appCode?: string }) => e,
      );
    expect(stale?.appCode).toBe('REAUTH_REQUIRED');
    // The permission denial is recorded; nothing else changed.
    await tdb.admin
      .deleteFrom('auditOutbox')
      .where('tenantId', '=', tenantId)
      .where('action', '=', 'permission.denied')
      .execute();
    await tdb.admin
      .updateTable('sessions')
      .set({ authenticatedAt: sql<Date>`now()` })
      .where('userId', '=', owner.userId)
      .execute();
    const after = await snapshot(tdb);
    expect({ ...after, sessions: '' }).toEqual({ ...before, sessions: '' });
  });

  it('locks the organization for everyone during the grace period; members see the schedule, owners cancel', async () => {
    const { owner, admin, viewer, tenantId } = await setup('delflow');
    const ownerApi = await h.as(owner.cookie);
    const requested = Date.now();
    const { dueAt } = await ownerApi.org.requestDeletion({ slug: owner.slug, confirmSlug: owner.slug });
    // The grace period is the configured one (3 days in this harness).
    expect(Math.round((dueAt.getTime() - requested) / 86_400_000)).toBe(3);
    for (const cookie of [owner.cookie, admin.cookie, viewer.cookie]) {
      const api = await h.as(cookie);
      expect(await code(api.org.get({ slug: owner.slug }))).toBe('FORBIDDEN');
      expect(await code(api.metrics.list({ slug: owner.slug }))).toBe('FORBIDDEN');
      const status = await api.org.deletionStatus({ slug: owner.slug });
      expect(status).toMatchObject({ slug: owner.slug, requestedBy: owner.email, canCancel: cookie === owner.cookie });
      expect(status.dueAt).toEqual(dueAt);
    }
    // Still listed in the switcher: members understand what happened.
    expect((await ownerApi.org.list()).map((o) => o.slug)).toContain(owner.slug);
    // Mail to every owner, tagged with the organization (so its erasure removes it).
    const mail = await h.lastMail(owner.email, 'deletion_requested');
    expect(mail).toMatchObject({ organizationId: tenantId });
    expect(mail?.textBody).toContain('cancel the deletion');
    // Only an owner cancels.
    expect(await code((await h.as(admin.cookie)).org.cancelDeletion({ slug: owner.slug }))).toBe('FORBIDDEN');
    expect(await ownerApi.org.cancelDeletion({ slug: owner.slug })).toEqual({ slug: owner.slug });
    expect(await code(ownerApi.org.get({ slug: owner.slug }))).toBe('OK');
    expect(await code(ownerApi.org.deletionStatus({ slug: owner.slug }))).toBe('NOT_FOUND');
    expect(await code(ownerApi.org.cancelDeletion({ slug: owner.slug }))).toBe('NOT_FOUND');
    const org = await tdb.admin
      .selectFrom('organizations')
      .select(['lockedAt', 'lockKind', 'deletionDueAt'])
      .where('tenantId', '=', tenantId)
      .executeTakeFirstOrThrow();
    expect(org).toEqual({ lockedAt: null, lockKind: null, deletionDueAt: null });
    expect((await outbox(tenantId, 'organization.deletion_requested'))[0]).toMatchObject({ actorId: owner.userId });
    expect((await outbox(tenantId, 'organization.deletion_cancelled'))[0]).toMatchObject({ actorId: owner.userId });
    expect(await outbox(tenantId, 'permission.denied')).toEqual([
      expect.objectContaining({ actorId: admin.userId, targetId: 'org.cancelDeletion' }),
    ]);
    expect(await h.lastMail(owner.email, 'deletion_cancelled')).toBeTruthy();
  });

  it('outsiders learn nothing about a pending deletion', async () => {
    const { owner } = await setup('delhidden');
    await (await h.as(owner.cookie)).org.requestDeletion({ slug: owner.slug, confirmSlug: owner.slug });
    const outsider = await h.signUp('delpeek');
    const api = await h.as(outsider.cookie);
    expect(await code(api.org.deletionStatus({ slug: owner.slug }))).toBe('NOT_FOUND');
    expect(await code(api.org.cancelDeletion({ slug: owner.slug }))).toBe('NOT_FOUND');
    expect(await code((await h.as()).org.deletionStatus({ slug: owner.slug }))).toBe('UNAUTHORIZED');
    expect(await messageOf(api.org.deletionStatus({ slug: owner.slug }))).toBe(
      await messageOf(api.org.deletionStatus({ slug: 'no-such-org' })),
    );
  });

  it("cancelling lifts the deletion's lock but never an operator's, and the lock cannot be lifted while a deletion is pending", async () => {
    const { owner, tenantId } = await setup('deloperator');
    const ownerApi = await h.as(owner.cookie);
    await ownerApi.org.requestDeletion({ slug: owner.slug, confirmSlug: owner.slug });
    // An operator unlocking the organization while the deletion is pending is refused by the database.
    const unlock = await withTenant(tdb.owner, { tenantId, evenIfLocked: true }, (trx) =>
      trx
        .updateTable('organizations')
        .set({ lockedAt: null, lockedReason: null })
        .where('tenantId', '=', tenantId)
        .execute(),
    ).catch((e: { constraint?: string }) => e.constraint);
    expect(unlock).toBe('organizations_deletion_locked');
    // An operator locks it as well (what `mfiq org lock` writes): the lock is now the operator's.
    await withTenant(tdb.owner, { tenantId, evenIfLocked: true }, (trx) =>
      trx
        .updateTable('organizations')
        .set({ lockedAt: sql<Date>`coalesce(locked_at, now())`, lockedReason: 'Legal hold' })
        .where('tenantId', '=', tenantId)
        .execute(),
    );
    await ownerApi.org.cancelDeletion({ slug: owner.slug });
    const org = await tdb.admin
      .selectFrom('organizations')
      .select(['lockedReason', 'lockKind', 'deletionDueAt'])
      .where('tenantId', '=', tenantId)
      .executeTakeFirstOrThrow();
    expect(org).toEqual({ lockedReason: 'Legal hold', lockKind: 'operator', deletionDueAt: null });
    expect(await code(ownerApi.org.get({ slug: owner.slug }))).toBe('FORBIDDEN');
  });

  it('the database refuses a deletion request from anyone but an owner, whatever the application does', async () => {
    const { owner, admin, tenantId } = await setup('deldb');
    const err = await withTenant(tdb.app, { tenantId, actorId: admin.userId }, (trx) =>
      sql`select app_request_organization_deletion(7)`.execute(trx),
    ).catch((e: { code?: string }) => e.code);
    expect(err).toBe('42501');
    const noTenant = await sql`select app_request_organization_deletion(7)`
      .execute(tdb.app)
      .catch((e: { code?: string }) => e.code);
    expect(noTenant).toBe('42501');
    const direct = await withTenant(tdb.app, { tenantId, actorId: owner.userId }, (trx) =>
      trx
        .updateTable('organizations')
        .set({ lockedAt: new Date() } as never)
        .where('tenantId', '=', tenantId)
        .execute(),
    ).catch((e: { code?: string }) => e.code);
    expect(direct).toBe('42501');
  });
});
