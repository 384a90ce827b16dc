import { TRPCError } from '@trpc/server';
import { sql, withTenant } from '@mfiq/db';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audit } from '../../audit.ts';
import { drainForTest } from '../../testing/audit-log.ts';
import { createHarness, type Harness } from '../../testing/harness.ts';

let tdb: TestDatabase;
let h: Harness;
let owner: Awaited<ReturnType<Harness['signUp']>>;
let tenantId: string;
let admin: Awaited<ReturnType<Harness['addMember']>>;
let other: Awaited<ReturnType<Harness['signUp']>>;

const code = (p: Promise<unknown>) =>
  p.then(
    () => 'OK',
    (e: unknown) => (e instanceof TRPCError ? e.code : `THREW ${String(e)}`),
  );

/** Fixture events written with the real audit() helper into the tenant's outbox, then drained. */
async function fixtureEvents(
  tenant: string,
  events: {
    action: 'organization.updated' | 'member.added';
    actor: string;
    target: string;
    at: string;
    after?: Record<string, unknown>;
  }[],
) {
  await withTenant(tdb.owner, { tenantId: tenant }, async (trx) => {
    for (const e of events) {
      await audit(
        {
          db: trx,
          tenant: { id: tenant },
          actor: { type: 'user', id: null, display: e.actor },
          request: { ip: '192.0.2.1', userAgent: 'fixture', requestId: 'fixture' },
        },
        {
          action: e.action,
          target: { type: e.action === 'member.added' ? 'member' : 'organization', id: e.target, display: e.target },
          before: { name: 'old' },
          after: e.after ?? { name: e.target },
        },
      );
      // occurred_at comes from the clock; fixtures set it to chosen instants.
      await trx
        .updateTable('auditOutbox')
        .set({ occurredAt: new Date(e.at) })
        .where('requestId', '=', 'fixture')
        .where('targetId', '=', e.target)
        .execute();
    }
  });
  await drainForTest(tdb);
}

beforeAll(async () => {
  tdb = await createTestDatabase();
  h = createHarness(tdb);
  owner = await h.signUp('auditowner');
  admin = await h.addMember(owner.slug, 'admin');
  other = await h.signUp('auditother');
  tenantId = (
    await tdb.owner
      .selectFrom('organizations')
      .select('tenantId')
      .where('slug', '=', owner.slug)
      .executeTakeFirstOrThrow()
  ).tenantId;
  await fixtureEvents(
    tenantId,
    Array.from({ length: 12 }, (_, i) => ({
      action: i % 3 === 0 ? ('member.added' as const) : ('organization.updated' as const),
      actor: i % 2 ? 'alice@example.com' : 'bob@example.com',
      target: `t-${i}`,
      at: `2026-01-${String(i + 1).padStart(2, '0')}T10:00:00Z`,
    })),
  );
});
afterAll(() => tdb.drop());

describe('audit.list', () => {
  it('pages through every event newest first with a cursor, none twice, none missed', async () => {
    const api = await h.as(admin.cookie);
    const seen: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await api.audit.list({ slug: owner.slug, limit: 5, ...(cursor ? { cursor } : {}) });
      seen.push(...page.events.map((e) => e.sequence));
      cursor = page.nextCursor ?? undefined;
      pages += 1;
    } while (cursor);
    const total = (await api.audit.list({ slug: owner.slug, limit: 500 })).events.length;
    expect(seen).toHaveLength(total);
    expect(seen).toEqual([...seen].sort((a, b) => b - a));
    expect(new Set(seen).size).toBe(total);
    expect(pages).toBe(Math.ceil(total / 5));
  });

  it('filters by action, actor, target and time range', async () => {
    const api = await h.as(owner.cookie);
    const byAction = await api.audit.list({ slug: owner.slug, action: 'member.added', actor: 'bob@example.com' });
    // Sign-up wrote a member.added by the owner too; the actor filter leaves only the fixtures by bob.
    expect(byAction.events.map((e) => e.target?.id)).toEqual(['t-6', 't-0']);
    const byTarget = await api.audit.list({ slug: owner.slug, targetType: 'organization', targetId: 't-4' });
    expect(byTarget.events).toHaveLength(1);
    expect(byTarget.events[0]).toMatchObject({
      action: 'organization.updated',
      actor: { display: 'bob@example.com' },
      before: { name: 'old' },
      after: { name: 't-4' },
    });
    const byTime = await api.audit.list({ slug: owner.slug, from: '2026-01-03', to: '2026-01-06' });
    expect(byTime.events.map((e) => e.target?.id)).toEqual(['t-4', 't-3', 't-2']);
    const byActorId = await api.audit.list({ slug: owner.slug, actor: owner.userId });
    expect(byActorId.events.map((e) => e.action).sort()).toEqual(['member.added', 'organization.created']);
  });

  it('an admin of another organization never sees these events', async () => {
    const api = await h.as(other.cookie);
    expect(await code(api.audit.list({ slug: owner.slug }))).toBe('NOT_FOUND');
    const own = await api.audit.list({ slug: other.slug, limit: 500 });
    const mine = new Set(
      (await (await h.as(owner.cookie)).audit.list({ slug: owner.slug, limit: 500 })).events.map((e) => e.id),
    );
    expect(own.events.length).toBeGreaterThan(0);
    expect(own.events.filter((e) => mine.has(e.id))).toEqual([]);
    expect(own.events.map((e) => e.target?.id)).not.toContain('t-4');
  });

  it('viewers and editors are refused the log, its badge and its export', async () => {
    for (const role of ['viewer', 'editor'] as const) {
      const member = await h.addMember(owner.slug, role);
      const api = await h.as(member.cookie);
      expect(await code(api.audit.list({ slug: owner.slug })), role).toBe('FORBIDDEN');
      expect(await code(api.audit.verify({ slug: owner.slug })), role).toBe('FORBIDDEN');
      expect(await code(api.audit.recordExport({ slug: owner.slug, format: 'csv' })), role).toBe('FORBIDDEN');
    }
  });

  it('secrets never appear in before/after, whatever a caller passed', async () => {
    const secret = 'hunter2-very-secret-value';
    await withTenant(tdb.owner, { tenantId }, (trx) =>
      audit(
        {
          db: trx,
          tenant: { id: tenantId },
          actor: { type: 'system', id: null, display: 'test' },
          request: { ip: null, userAgent: null, requestId: 'secret-test' },
        },
        {
          action: 'organization.updated',
          target: { type: 'organization', id: 'secret-target' },
          before: { password: secret, apiKey: secret, nested: { totpSecret: secret, sessionToken: secret } },
          after: { passwordHash: secret, recoveryCodes: [secret], name: 'visible' },
        },
      ),
    );
    await drainForTest(tdb);
    const page = await (await h.as(owner.cookie)).audit.list({ slug: owner.slug, targetId: 'secret-target' });
    expect(page.events).toHaveLength(1);
    expect(JSON.stringify(page.events)).not.toContain(secret);
    expect(page.events[0]!.after).toMatchObject({ name: 'visible', passwordHash: '[redacted]' });
  });
});

describe('audit.verify and audit.recordExport', () => {
  it('the badge reports a verified chain, and the first broken sequence after tampering', async () => {
    const org = await h.signUp('verifyorg');
    await drainForTest(tdb);
    const api = await h.as(org.cookie);
    expect(await api.audit.verify({ slug: org.slug })).toMatchObject({ status: 'verified', events: 2 });
    const t = (
      await tdb.owner
        .selectFrom('organizations')
        .select('tenantId')
        .where('slug', '=', org.slug)
        .executeTakeFirstOrThrow()
    ).tenantId;
    await sql`alter table audit_log disable trigger audit_log_append_only`.execute(tdb.admin);
    await sql`update audit_log set actor_display = 'someone else' where tenant_id = ${t} and sequence = 2`.execute(
      tdb.admin,
    );
    await sql`alter table audit_log enable trigger audit_log_append_only`.execute(tdb.admin);
    expect(await api.audit.verify({ slug: org.slug })).toMatchObject({ status: 'broken', sequence: 2 });
  });

  it('an export is itself audited, with its filters', async () => {
    const api = await h.as(admin.cookie);
    await api.audit.recordExport({ slug: owner.slug, format: 'ndjson', action: 'member.added', from: '2026-01-01' });
    const row = await tdb.admin
      .selectFrom('auditOutbox')
      .selectAll()
      .where('action', '=', 'audit.exported')
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      tenantId,
      actorId: admin.userId,
      targetType: 'audit_log',
      after: { format: 'ndjson', filters: { action: 'member.added', from: '2026-01-01T00:00:00.000Z' } },
    });
  });
});
