import { TRPCError } from '@trpc/server';
import { sql } from '@mfiq/db';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, snapshot, type Harness } from '../../testing/harness.ts';

let tdb: TestDatabase;
let h: Harness;
beforeAll(async () => {
  tdb = await createTestDatabase();
  h = createHarness(tdb);
});
afterAll(() => tdb.drop());

const code = (p: Promise<unknown>) =>
  p.then(
    () => 'OK',
    (e: unknown) => (e instanceof TRPCError ? e.code : `THREW ${String(e)}`),
  );
const tenantOf = async (slug: string) =>
  (await tdb.admin.selectFrom('organizations').select('tenantId').where('slug', '=', slug).executeTakeFirstOrThrow())
    .tenantId;
async function finishedBackup(slug: string) {
  const tenantId = await tenantOf(slug);
  return (
    await tdb.admin
      .insertInto('backups')
      .values({ tenantId, kind: 'scheduled', status: 'succeeded', bytes: 1234, rowsDone: 10, rowsTotal: 10 })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
}

describe('backups.start and backups.list', () => {
  it('an owner starts a backup: a queued row, a worker job and an audit event, in one transaction', async () => {
    const owner = await h.signUp('starter');
    const api = await h.as(owner.cookie);
    const started = await api.backups.start({ slug: owner.slug });
    expect(started).toMatchObject({ kind: 'manual', status: 'queued', rowsDone: 0, bytes: null });
    const jobs = await sql<{ payload: { tenantId: string; backupId: string }; key: string }>`
      select j.payload, j.key from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
       where t.identifier = 'backup_tenant'`.execute(tdb.admin);
    expect(jobs.rows).toContainEqual({
      payload: { tenantId: await tenantOf(owner.slug), backupId: started.id },
      key: `backup:${started.id}`,
    });
    const events = await tdb.admin
      .selectFrom('auditOutbox')
      .select(['action', 'targetId', 'actorId'])
      .where('action', '=', 'backup.requested')
      .execute();
    expect(events).toContainEqual({ action: 'backup.requested', targetId: started.id, actorId: owner.userId });
    expect((await api.backups.list({ slug: owner.slug })).map((b) => b.id)).toEqual([started.id]);
  });

  it('refuses a second backup while one is in progress, and writes nothing', async () => {
    const owner = await h.signUp('busy');
    const api = await h.as(owner.cookie);
    await api.backups.start({ slug: owner.slug });
    const before = await snapshot(tdb);
    const err = await api.backups.start({ slug: owner.slug }).catch((e: TRPCError) => e);
    expect(err).toBeInstanceOf(TRPCError);
    expect((err as TRPCError).code).toBe('CONFLICT');
    expect((err as TRPCError).message).toBe('A backup is already in progress for this organization.');
    expect(await snapshot(tdb)).toEqual(before);
  });

  it('shows progress and outcome as the worker records them', async () => {
    const owner = await h.signUp('progress');
    const api = await h.as(owner.cookie);
    const started = await api.backups.start({ slug: owner.slug });
    await tdb.admin
      .updateTable('backups')
      .set({ status: 'running', rowsDone: 40, rowsTotal: 100 })
      .where('id', '=', started.id)
      .execute();
    expect((await api.backups.list({ slug: owner.slug }))[0]).toMatchObject({
      status: 'running',
      rowsDone: 40,
      rowsTotal: 100,
    });
  });
});

describe('isolation and roles', () => {
  it("an owner of A cannot list, start or download B's backups", async () => {
    const a = await h.signUp('iso-a');
    const b = await h.signUp('iso-b');
    const bBackup = await finishedBackup(b.slug);
    const asA = await h.as(a.cookie);
    const before = await snapshot(tdb);
    expect(await code(asA.backups.list({ slug: b.slug }))).toBe('NOT_FOUND');
    expect(await code(asA.backups.start({ slug: b.slug }))).toBe('NOT_FOUND');
    expect(await code(asA.backups.export({ slug: b.slug, backupId: bBackup }))).toBe('NOT_FOUND');
    // B's backup id through A's own organization: not found either (RLS scopes the lookup).
    expect(await code(asA.backups.export({ slug: a.slug, backupId: bBackup }))).toBe('NOT_FOUND');
    expect(await asA.backups.list({ slug: a.slug })).toEqual([]);
    expect(await snapshot(tdb)).toEqual(before);
  });

  it('admins, editors and viewers cannot download exports or manage backups; the owner can, audited', async () => {
    const owner = await h.signUp('roles');
    const backupId = await finishedBackup(owner.slug);
    for (const role of ['admin', 'editor', 'viewer'] as const) {
      const member = await h.addMember(owner.slug, role);
      const api = await h.as(member.cookie);
      expect(await code(api.backups.export({ slug: owner.slug, backupId })), role).toBe('FORBIDDEN');
      expect(await code(api.backups.list({ slug: owner.slug })), role).toBe('FORBIDDEN');
      expect(await code(api.backups.start({ slug: owner.slug })), role).toBe('FORBIDDEN');
    }
    const api = await h.as(owner.cookie);
    const out = await api.backups.export({ slug: owner.slug, backupId });
    expect(out).toMatchObject({ tenantId: await tenantOf(owner.slug), backupId });
    expect(out.filename).toMatch(new RegExp(`^${owner.slug}-export-\\d{8}-\\d{4}\\.zip$`));
    await api.backups.export({ slug: owner.slug, backupId });
    const events = await tdb.admin
      .selectFrom('auditOutbox')
      .select(['actorId', 'targetId'])
      .where('action', '=', 'backup.exported')
      .where('targetId', '=', backupId)
      .execute();
    expect(events).toEqual([
      { actorId: owner.userId, targetId: backupId },
      { actorId: owner.userId, targetId: backupId },
    ]);
  });

  it('a backup that has not succeeded cannot be exported', async () => {
    const owner = await h.signUp('unfinished');
    const api = await h.as(owner.cookie);
    const started = await api.backups.start({ slug: owner.slug });
    expect(await code(api.backups.export({ slug: owner.slug, backupId: started.id }))).toBe('NOT_FOUND');
  });
});
