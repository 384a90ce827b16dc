import { randomBytes, randomUUID } from 'node:crypto';
import {
  chainColumns,
  chainHash,
  keyId,
  signCheckpoint,
  sql,
  withTenant,
  type Database,
  type StoredChainRow,
} from '@mfiq/db';
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
      reason: expect.stringMatching(/not the configured key/),
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

describe('the retention role, narrowed (finding 10)', () => {
  /** A tenant with `old` expired events (400 days) followed by `recent` ones, drained. */
  async function aged(prefix: string, old: number, recent: number) {
    const org = await insertOrg(tdb.owner, prefix);
    await insertOutbox(tdb.owner, org.tenantId, old, { ageDays: 400 });
    await insertOutbox(tdb.owner, org.tenantId, recent, { from: old });
    await drainAll(tdb.worker);
    return org;
  }
  /** Runs statements as the retention role inside the tenant; the SQLSTATE of a refusal, or 'allowed'. */
  const asRetention = (tenantId: string, statement: string) =>
    withTenant(tdb.retention, { tenantId }, (trx) => sql.raw(statement).execute(trx)).then(
      () => 'allowed',
      (e: { code?: string }) => e.code,
    );
  const signedCheckpointSql = (tenantId: string, sequence: number, key: Buffer) =>
    withTenant(tdb.admin, { tenantId }, async (trx) => {
      const { rows } = await sql<{ hash: Buffer }>`
        select hash from audit_log where tenant_id = ${tenantId} and sequence = ${sequence}`.execute(trx);
      const hash = rows[0]!.hash;
      const signature = signCheckpoint(key, { tenantId, sequence, hash });
      return `insert into audit_checkpoints (tenant_id, sequence, hash, purged_rows, key_id, signature)
              values ('${tenantId}', ${sequence}, '\\x${hash.toString('hex')}', ${sequence}, '${keyId(key)}', '\\x${signature.toString('hex')}')`;
    });

  it('cannot delete an expired row that no signed checkpoint covers', async () => {
    const org = await aged('nocp', 4, 2);
    expect(await asRetention(org.tenantId, 'delete from audit_log where sequence = 1')).toBe('42501');
    expect(await asRetention(org.tenantId, 'delete from audit_log')).toBe('42501');
    expect((await logOf(tdb.admin, org.tenantId)).map((r) => r.sequence)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('cannot delete a row inside the retention window, even below a checkpoint', async () => {
    const key = randomBytes(32);
    const org = await aged('window', 3, 3);
    // A checkpoint may only name an expired event: one at the newest row is refused outright.
    expect(await asRetention(org.tenantId, await signedCheckpointSql(org.tenantId, 6, key))).toBe('23514');
    // With a legitimate checkpoint at 3, rows 4..6 (recent) still cannot go, alone or together.
    expect(await asRetention(org.tenantId, await signedCheckpointSql(org.tenantId, 3, key))).toBe('allowed');
    expect(await asRetention(org.tenantId, 'delete from audit_log where sequence = 5')).toBe('42501');
    expect(await asRetention(org.tenantId, 'delete from audit_log where sequence <= 4')).toBe('42501');
    expect((await logOf(tdb.admin, org.tenantId)).map((r) => r.sequence)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('cannot delete an expired row above the checkpoint, and cannot plant a checkpoint with a made-up hash', async () => {
    const key = randomBytes(32);
    const org = await aged('above', 5, 1);
    expect(await asRetention(org.tenantId, await signedCheckpointSql(org.tenantId, 2, key))).toBe('allowed');
    expect(await asRetention(org.tenantId, 'delete from audit_log where sequence = 4')).toBe('42501');
    const forged = `insert into audit_checkpoints (tenant_id, sequence, hash, purged_rows, key_id, signature)
      values ('${org.tenantId}', 5, sha256('made up'), 5, 'forged', '\\x${randomBytes(32).toString('hex')}')`;
    expect(await asRetention(org.tenantId, forged)).toBe('23514');
    // What the checkpoint covers, and is expired, may go.
    expect(await asRetention(org.tenantId, 'delete from audit_log where sequence <= 2')).toBe('allowed');
    expect((await logOf(tdb.admin, org.tenantId)).map((r) => r.sequence)).toEqual([3, 4, 5, 6]);
  });

  it('a checkpoint must carry a 32-byte signature: an unsigned one cannot even be stored', async () => {
    const org = await aged('unsigned', 2, 1);
    const { rows } = await sql<{ hash: Buffer }>`
      select hash from audit_log where tenant_id = ${org.tenantId} and sequence = 2`.execute(tdb.admin);
    const unsigned = `insert into audit_checkpoints (tenant_id, sequence, hash, purged_rows, key_id, signature)
      values ('${org.tenantId}', 2, '\\x${rows[0]!.hash.toString('hex')}', 2, 'none', '\\x')`;
    expect(await asRetention(org.tenantId, unsigned)).toBe('23514');
  });

  it('with the key, verification refuses an unsigned, forged or foreign-key checkpoint', async () => {
    const key = randomBytes(32);
    const org = await aged('verifycp', 3, 2);
    await applyRetention(tdb.retention, key);
    expect(await verify(tdb.worker, org.tenantId, key)).toMatchObject({ status: 'verified', checkpoint: 'valid' });
    const tamper = (set: string) =>
      asOwnerTampering(org.tenantId, [
        'alter table audit_checkpoints drop constraint audit_checkpoints_signed',
        `update audit_checkpoints set ${set}`,
      ]).finally(() =>
        sql`alter table audit_checkpoints add constraint audit_checkpoints_signed check (octet_length(signature) = 32) not valid`.execute(
          tdb.owner,
        ),
      );
    await tamper(`signature = '\\x'`);
    expect(await verify(tdb.worker, org.tenantId, key)).toMatchObject({
      status: 'broken',
      reason: 'the retention checkpoint is not signed',
    });
    await tamper(`signature = '\\x${randomBytes(32).toString('hex')}'`);
    expect(await verify(tdb.worker, org.tenantId, key)).toMatchObject({
      status: 'broken',
      reason: 'the retention checkpoint signature is invalid',
    });
    const other = randomBytes(32);
    expect(await verify(tdb.worker, org.tenantId, other)).toMatchObject({
      status: 'broken',
      reason: expect.stringMatching(/signed with key .* not the configured key/),
    });
  });

  it('a row appended past the head, then altered, is detected', async () => {
    const org = await chainOf(4);
    // The worker may append to the log; a row it did not append through the drain leaves the head behind.
    const appended = await withTenant(tdb.admin, { tenantId: org.tenantId }, async (trx) => {
      const last = (await chainColumns(trx)
        .where('tenantId', '=', org.tenantId)
        .where('sequence', '=', 4)
        .executeTakeFirstOrThrow()) as StoredChainRow;
      const event = { ...last, id: randomUUID(), sequence: 5, after: { name: 'appended' } };
      return { ...event, prevHash: last.hash, hash: chainHash(last.hash, event) };
    });
    await withTenant(tdb.worker, { tenantId: org.tenantId }, (trx) =>
      trx
        .insertInto('auditLog')
        .values({
          tenantId: org.tenantId,
          id: appended.id,
          sequence: 5,
          occurredAt: sql<Date>`${appended.occurredAt}::timestamptz`,
          recordedAt: sql<Date>`${appended.recordedAt}::timestamptz`,
          action: appended.action,
          outcome: appended.outcome,
          actorType: appended.actorType,
          actorId: appended.actorId,
          actorDisplay: appended.actorDisplay,
          targetType: appended.targetType,
          targetId: appended.targetId,
          targetDisplay: appended.targetDisplay,
          before: JSON.stringify(appended.before),
          after: JSON.stringify(appended.after),
          ip: appended.ip,
          userAgent: appended.userAgent,
          requestId: appended.requestId,
          prevHash: appended.prevHash,
          hash: appended.hash,
        })
        .execute(),
    );
    // It hashes perfectly, and still does not belong: the head is at 4.
    expect(await verify(tdb.worker, org.tenantId)).toMatchObject({
      status: 'broken',
      sequence: 5,
      reason: expect.stringMatching(/past the chain head/),
    });
    await asOwnerTampering(org.tenantId, [`update audit_log set after = '{"name":"altered"}' where sequence = 5`]);
    expect(await verify(tdb.worker, org.tenantId)).toMatchObject({ status: 'broken', sequence: 5 });
  });
});
