import { randomBytes } from 'node:crypto';
import { sql, withTenant, type Database } from '@mfiq/db';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertOrg, insertOutbox, logOf, verify } from '../testing/audit-fixtures.ts';
import { drainAll } from './drain.ts';
import { applyRetention } from './retention.ts';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(() => tdb.drop());

async function chainOf(n: number) {
  const org = await insertOrg(tdb.owner, 'tamper');
  await insertOutbox(tdb.owner, org.tenantId, n);
  await drainAll(tdb.worker);
  expect(await verify(tdb.worker, org.tenantId)).toMatchObject({ status: 'verified', events: n });
  return org;
}

/**
 * Tampering as the owner role: it owns the table, so it can switch the append-only trigger off,
 * which is what someone with the owner's credentials would do. The chain must expose it.
 */
async function asOwnerTampering(tenantId: string, statements: string[]) {
  const c = new pg.Client({ connectionString: tdb.urls.owner });
  await c.connect();
  try {
    await c.query('begin');
    await c.query(`select set_config('app.tenant_id', $1, true)`, [tenantId]);
    await c.query('alter table audit_log disable trigger audit_log_append_only');
    for (const s of statements) await c.query(s);
    await c.query('alter table audit_log enable trigger audit_log_append_only');
    await c.query('commit');
  } finally {
    await c.end();
  }
}

describe('tamper detection', () => {
  it('a changed row: verify reports its sequence', async () => {
    const org = await chainOf(10);
    await asOwnerTampering(org.tenantId, [`update audit_log set after = '{"name":"forged"}' where sequence = 4`]);
    expect(await verify(tdb.worker, org.tenantId)).toMatchObject({
      status: 'broken',
      sequence: 4,
      reason: expect.stringMatching(/content/),
    });
  });

  it('a changed row with a recomputed-looking hash still breaks the link to the next one', async () => {
    const org = await chainOf(6);
    await asOwnerTampering(org.tenantId, [`update audit_log set hash = sha256('x') where sequence = 2`]);
    expect(await verify(tdb.worker, org.tenantId)).toMatchObject({ status: 'broken', sequence: 2 });
  });

  it('a deleted row: verify reports the missing sequence', async () => {
    const org = await chainOf(10);
    await asOwnerTampering(org.tenantId, ['delete from audit_log where sequence = 7']);
    expect(await verify(tdb.worker, org.tenantId)).toMatchObject({
      status: 'broken',
      sequence: 7,
      reason: expect.stringMatching(/missing/),
    });
  });

  it('the deleted last row: the chain head exposes it', async () => {
    const org = await chainOf(5);
    await asOwnerTampering(org.tenantId, ['delete from audit_log where sequence = 5']);
    expect(await verify(tdb.worker, org.tenantId)).toMatchObject({ status: 'broken', sequence: 5 });
  });

  it('two rows swapped in order: verify reports the first of them', async () => {
    const org = await chainOf(10);
    // Swapped through a parking value (sequences are unique and positive).
    await asOwnerTampering(org.tenantId, [
      'update audit_log set sequence = 1000005 where sequence = 5',
      'update audit_log set sequence = 5 where sequence = 6',
      'update audit_log set sequence = 6 where sequence = 1000005',
    ]);
    expect((await logOf(tdb.admin, org.tenantId)).slice(4, 6).map((r) => r.n)).toEqual([5, 4]);
    expect(await verify(tdb.worker, org.tenantId)).toMatchObject({ status: 'broken', sequence: 5 });
  });
});

describe('append-only', () => {
  const refused = async (db: Database, tenantId: string, statement: string) =>
    withTenant(db, { tenantId }, (trx) => sql.raw(statement).execute(trx)).then(
      () => 'allowed',
      (e: { code?: string; message?: string }) => `${e.code}`,
    );

  it('no runtime role may update or delete audit_log rows; the trigger refuses even the owner', async () => {
    const org = await chainOf(3);
    for (const [name, db] of [
      ['app', tdb.app],
      ['worker', tdb.worker],
    ] as const) {
      expect(await refused(db, org.tenantId, `update audit_log set action = 'x.y' where sequence = 1`), name).toBe(
        '42501',
      );
      expect(await refused(db, org.tenantId, 'delete from audit_log where sequence = 1'), name).toBe('42501');
    }
    expect(await refused(tdb.retention, org.tenantId, `update audit_log set action = 'x.y' where sequence = 1`)).toBe(
      '42501',
    );
    expect(await refused(tdb.owner, org.tenantId, `update audit_log set action = 'x.y' where sequence = 1`)).toBe(
      '42501',
    );
    expect(await refused(tdb.owner, org.tenantId, 'delete from audit_log where sequence = 1')).toBe('42501');
    expect(await refused(tdb.owner, org.tenantId, 'truncate audit_log')).toBe('42501');
    expect(await refused(tdb.app, org.tenantId, 'update audit_chain_heads set last_sequence = 0')).toBe('42501');
    expect(await verify(tdb.worker, org.tenantId)).toMatchObject({ status: 'verified', events: 3 });
  });

  it('the platform log refuses updates and deletes too', async () => {
    await sql`insert into platform_audit_outbox (action, actor_type) values ('user.signed_in', 'anonymous')`.execute(
      tdb.owner,
    );
    await drainAll(tdb.worker);
    for (const db of [tdb.worker, tdb.owner]) {
      const code = await sql`delete from platform_audit_log`.execute(db).then(
        () => 'allowed',
        (e: { code?: string }) => e.code,
      );
      expect(code).toBe('42501');
    }
  });
});

describe('retention', () => {
  it('purges only the expired prefix, as its own role, and the chain verifies from the signed checkpoint', async () => {
    const key = randomBytes(32);
    const org = await insertOrg(tdb.owner, 'ret');
    await insertOutbox(tdb.owner, org.tenantId, 4, { ageDays: 400 });
    await insertOutbox(tdb.owner, org.tenantId, 3, { from: 4 });
    await drainAll(tdb.worker);
    // Nobody else may purge: the worker has no DELETE grant.
    const denied = await withTenant(tdb.worker, { tenantId: org.tenantId }, (trx) =>
      sql`delete from audit_log`.execute(trx),
    ).catch((e: { code?: string }) => e.code);
    expect(denied).toBe('42501');

    const result = await applyRetention(tdb.retention, key);
    expect(result).toMatchObject({ purged: 4 });
    expect((await logOf(tdb.admin, org.tenantId)).map((r) => r.sequence)).toEqual([5, 6, 7]);
    expect(await verify(tdb.worker, org.tenantId, key)).toMatchObject({
      status: 'verified',
      events: 3,
      fromSequence: 4,
      checkpoint: 'valid',
    });
    expect(await verify(tdb.app, org.tenantId)).toMatchObject({ status: 'verified', checkpoint: 'unchecked' });
    // A checkpoint signed with another key is not accepted.
    expect(await verify(tdb.worker, org.tenantId, randomBytes(32))).toMatchObject({
      status: 'broken',
      sequence: 4,
      reason: expect.stringMatching(/signature/),
    });
    // Nothing more is due: a second run purges nothing.
    expect(await applyRetention(tdb.retention, key)).toMatchObject({ purged: 0 });
  });

  it('honours a longer retention per organization', async () => {
    const key = randomBytes(32);
    const org = await insertOrg(tdb.owner, 'keep');
    await withTenant(tdb.owner, { tenantId: org.tenantId }, (trx) =>
      trx.updateTable('organizations').set({ auditRetentionDays: 730 }).execute(),
    );
    await insertOutbox(tdb.owner, org.tenantId, 2, { ageDays: 400 });
    await drainAll(tdb.worker);
    await applyRetention(tdb.retention, key);
    expect(await logOf(tdb.admin, org.tenantId)).toHaveLength(2);
  });
});
