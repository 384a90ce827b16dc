import { TRPCError } from '@trpc/server';
import { sql } from '@mfiq/db';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { can, ROLES } from '../../permissions.ts';
import { createHarness, snapshot, type Harness } from '../../testing/harness.ts';

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

const code = (p: Promise<unknown>) =>
  p.then(
    () => 'OK',
    (e: unknown) => (e instanceof TRPCError ? e.code : `THREW ${String(e)}`),
  );
const settings = (slug: string, name = 'Renamed') => ({ slug, name, timezone: 'America/New_York', weekStart: 0 });

describe('role guard', () => {
  it('lets exactly the roles the matrix grants org:update change settings', async () => {
    const owner = await h.signUp('guard');
    for (const role of ROLES) {
      const member = role === 'owner' ? owner : await h.addMember(owner.slug, role);
      const outcome = await code((await h.as(member.cookie)).org.update(settings(owner.slug, `By ${role}`)));
      expect(outcome, role).toBe(can(role, 'org:update') ? 'OK' : 'FORBIDDEN');
    }
    // Viewer and editor got FORBIDDEN, so the last successful write was the admin's.
    const org = await (await h.as(owner.cookie)).org.get({ slug: owner.slug });
    expect(org.organization.name).toBe('By admin');
  });

  it('a viewer reads settings and sees no update permission', async () => {
    const owner = await h.signUp('readonly');
    const viewer = await h.addMember(owner.slug, 'viewer');
    const got = await (await h.as(viewer.cookie)).org.get({ slug: owner.slug });
    expect(got.role).toBe('viewer');
    expect(got.permissions).not.toContain('org:update');
  });
});

describe('tenant boundary through the procedures', () => {
  it("a member of A gets NOT_FOUND for B's organization, the same as for a slug that does not exist", async () => {
    const a = await h.signUp('tenant-a');
    const b = await h.signUp('tenant-b');
    const before = await snapshot(tdb);
    const asA = await h.as(a.cookie);
    expect(await code(asA.org.get({ slug: b.slug }))).toBe('NOT_FOUND');
    expect(await code(asA.org.update(settings(b.slug)))).toBe('NOT_FOUND');
    expect(await code(asA.org.get({ slug: 'no-such-org' }))).toBe('NOT_FOUND');
    const messages = await Promise.all(
      [asA.org.get({ slug: b.slug }), asA.org.get({ slug: 'no-such-org' })].map((p) =>
        p.catch((e: Error) => e.message),
      ),
    );
    expect(messages[0]).toBe(messages[1]);
    expect(await asA.org.list()).toEqual([expect.objectContaining({ slug: a.slug })]);
    expect(await snapshot(tdb)).toEqual(before);
  });

  it('a removed member loses access at the next request', async () => {
    const owner = await h.signUp('removal');
    const editor = await h.addMember(owner.slug, 'editor');
    expect(await code((await h.as(editor.cookie)).org.get({ slug: owner.slug }))).toBe('OK');
    await tdb.admin.deleteFrom('memberships').where('userId', '=', editor.userId).execute();
    expect(await code((await h.as(editor.cookie)).org.get({ slug: owner.slug }))).toBe('NOT_FOUND');
  });
});

describe('audit in the same transaction', () => {
  it('an update writes one outbox row with only the changed fields', async () => {
    const owner = await h.signUp('audit');
    const caller = await h.as(owner.cookie);
    const before = await caller.org.get({ slug: owner.slug });
    await caller.org.update({
      slug: owner.slug,
      name: 'Audited Inc',
      timezone: before.organization.timezone,
      weekStart: 3,
    });
    const rows = await tdb.admin
      .selectFrom('auditOutbox')
      .selectAll()
      .where('action', '=', 'organization.updated')
      .where('actorId', '=', owner.userId)
      .execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      actorType: 'user',
      actorDisplay: owner.email,
      targetType: 'organization',
      before: { name: before.organization.name, weekStart: 1 },
      after: { name: 'Audited Inc', weekStart: 3 },
      ip: '203.0.113.7',
      userAgent: 'vitest',
    });
    expect(rows[0]!.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('a mutation that fails after its write leaves neither the change nor an audit row', async () => {
    const owner = await h.signUp('atomic');
    // A trigger that refuses one specific name stands in for any failure late in the transaction.
    await sql`create function refuse_boom() returns trigger language plpgsql as $$
      begin if new.name = 'boom' then raise exception 'refused by test trigger'; end if; return new; end $$`.execute(
      tdb.admin,
    );
    await sql`create trigger refuse_boom after update on organizations for each row execute function refuse_boom()`.execute(
      tdb.admin,
    );
    const caller = await h.as(owner.cookie);
    const before = await snapshot(tdb);
    const err = await caller.org.update(settings(owner.slug, 'boom')).catch((e: TRPCError) => e);
    expect((err as TRPCError).code).toBe('INTERNAL_SERVER_ERROR');
    expect(await snapshot(tdb)).toEqual(before);
  });

  it('sign-up writes organization.created and member.added in the new tenant', async () => {
    const user = await h.signUp('created');
    const rows = await tdb.admin
      .selectFrom('auditOutbox')
      .select(['action', 'targetType'])
      .where('actorId', '=', user.userId)
      .orderBy('occurredAt')
      .execute();
    expect(rows.map((r) => r.action)).toEqual(['organization.created', 'member.added']);
  });
});
