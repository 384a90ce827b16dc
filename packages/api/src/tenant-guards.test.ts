import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { withTenant } from '@mfiq/db';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORGANIZATION_LOCKED } from './trpc.ts';
import { createHarness, type Harness } from './testing/harness.ts';

let tdb: TestDatabase;
let h: Harness;
beforeAll(async () => {
  tdb = await createTestDatabase();
  h = createHarness(tdb);
});
afterAll(() => tdb.drop());

const tenantOf = (slug: string) =>
  tdb.owner.selectFrom('organizations').select('tenantId').where('slug', '=', slug).executeTakeFirstOrThrow();
const outbox = (tenantId: string) =>
  withTenant(tdb.owner, { tenantId }, (trx) =>
    trx.selectFrom('auditOutbox').selectAll().orderBy('occurredAt').execute(),
  );

describe('permission denials are security events', () => {
  it("a viewer's refused update writes one permission.denied event and nothing else", async () => {
    const owner = await h.signUp('owner');
    const viewer = await h.addMember(owner.slug, 'viewer');
    const { tenantId } = await tenantOf(owner.slug);
    const before = (await outbox(tenantId)).length;
    const api = await h.as(viewer.cookie, '192.0.2.44');
    const err = await api.org
      .update({ slug: owner.slug, name: 'Nope', timezone: 'UTC', weekStart: 1 })
      .catch((e: unknown) => e);
    expect((err as TRPCError).code).toBe('FORBIDDEN');
    const events = (await outbox(tenantId)).slice(before);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      action: 'permission.denied',
      outcome: 'failure',
      actorId: viewer.userId,
      targetType: 'procedure',
      targetId: 'org.update',
      ip: '192.0.2.44',
      after: { permission: 'org:update' },
    });
    expect(
      (await tenantOf(owner.slug)) &&
        (
          await tdb.owner
            .selectFrom('organizations')
            .select('name')
            .where('tenantId', '=', tenantId)
            .executeTakeFirstOrThrow()
        ).name,
    ).not.toBe('Nope');
  });
});

describe('a locked organization', () => {
  it('refuses every tenant procedure for every role with the lock message, and works again once unlocked', async () => {
    const owner = await h.signUp('lockowner');
    const admin = await h.addMember(owner.slug, 'admin');
    const { tenantId } = await tenantOf(owner.slug);
    const setLock = (lockedAt: Date | null) =>
      withTenant(tdb.owner, { tenantId, evenIfLocked: true }, (trx) =>
        trx
          .updateTable('organizations')
          .set({ lockedAt, lockedReason: lockedAt ? 'incident 42' : null })
          .where('tenantId', '=', tenantId)
          .executeTakeFirstOrThrow(),
      );
    expect((await setLock(new Date())).numUpdatedRows).toBe(1n);
    for (const who of [owner, admin]) {
      const api = await h.as(who.cookie);
      for (const call of [
        () => api.org.get({ slug: owner.slug }),
        () => api.org.update({ slug: owner.slug, name: 'Changed', timezone: 'UTC', weekStart: 1 }),
      ]) {
        const err = await call().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(TRPCError);
        expect((err as TRPCError).code).toBe('FORBIDDEN');
        expect((err as TRPCError).message).toBe(ORGANIZATION_LOCKED);
      }
      // Signed-in, non-tenant procedures still work: the member can see the organization is there.
      expect((await api.org.list()).map((o) => o.slug)).toContain(owner.slug);
    }
    // The database refuses to enter the tenant: app_enter_tenant leaves app.tenant_id unset.
    const { rows } = await tdb.app.executeQuery<{ t: string | null; locked: Date | null }>({
      sql: `select current_setting('app.tenant_id', true) as t, e.locked_at as locked from app_enter_tenant($1, $2) e`,
      parameters: [owner.userId, owner.slug],
      query: { kind: 'RawNode' },
    } as never);
    expect(rows[0]?.locked).toBeInstanceOf(Date);
    expect(rows[0]?.t ?? '').toBe('');

    await setLock(null);
    const api = await h.as(owner.cookie);
    await expect(api.org.get({ slug: owner.slug })).resolves.toMatchObject({ organization: { slug: owner.slug } });
  });
});
