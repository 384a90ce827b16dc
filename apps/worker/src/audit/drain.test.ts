import { sql, verifyTenantChain, withTenant } from '@mfiq/db';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertOrg, insertOutbox, insertPlatformOutbox, logOf, verify } from '../testing/audit-fixtures.ts';
import { drainAll, drainTenantBatch } from './drain.ts';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(() => tdb.drop());

const outboxCount = async (tenantId: string) =>
  (
    await sql<{ n: number }>`select count(*)::int as n from audit_outbox where tenant_id = ${tenantId}`.execute(
      tdb.admin,
    )
  ).rows[0]!.n;

describe('the drain, run as the worker role', () => {
  it('moves every event once, in outbox order, with gap-free sequences and a chain that verifies', async () => {
    const a = await insertOrg(tdb.owner, 'a');
    const b = await insertOrg(tdb.owner, 'b');
    await insertOutbox(tdb.owner, a.tenantId, 25);
    await insertOutbox(tdb.owner, b.tenantId, 7);
    const result = await drainAll(tdb.worker, { batchSize: 10 });
    expect(result.events).toBe(32);
    const logA = await logOf(tdb.admin, a.tenantId);
    expect(logA.map((r) => r.sequence)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(logA.map((r) => r.n)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect((await logOf(tdb.admin, b.tenantId)).map((r) => r.sequence)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(await outboxCount(a.tenantId)).toBe(0);
    expect(await verify(tdb.worker, a.tenantId)).toMatchObject({ status: 'verified', events: 25, lastSequence: 25 });
    // The web's role verifies the same chain through its own grants.
    expect(await verify(tdb.app, b.tenantId)).toMatchObject({ status: 'verified', events: 7 });
  });

  it('continues the chain across drains and keeps each tenant separate', async () => {
    const a = await insertOrg(tdb.owner, 'cont');
    await insertOutbox(tdb.owner, a.tenantId, 3);
    await drainAll(tdb.worker);
    await insertOutbox(tdb.owner, a.tenantId, 4, { from: 3 });
    await drainAll(tdb.worker);
    expect((await logOf(tdb.admin, a.tenantId)).map((r) => `${r.sequence}:${r.n}`)).toEqual([
      '1:0',
      '2:1',
      '3:2',
      '4:3',
      '5:4',
      '6:5',
      '7:6',
    ]);
    expect(await verify(tdb.worker, a.tenantId)).toMatchObject({ status: 'verified', events: 7 });
  });

  it('skips a tenant whose head another drainer holds, and leaves its events for later', async () => {
    const a = await insertOrg(tdb.owner, 'busy');
    await insertOutbox(tdb.owner, a.tenantId, 5);
    await drainAll(tdb.worker, { batchSize: 2 });
    await insertOutbox(tdb.owner, a.tenantId, 3, { from: 5 });
    // Hold the head as another drainer would, mid-transaction.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holder = withTenant(tdb.worker, { tenantId: a.tenantId }, async (trx) => {
      await sql`select 1 from audit_chain_heads for update`.execute(trx);
      locked();
      await held;
    });
    await isLocked;
    expect(await drainTenantBatch(tdb.worker, a.tenantId)).toBeNull();
    expect(await outboxCount(a.tenantId)).toBe(3);
    release();
    await holder;
    expect(await drainTenantBatch(tdb.worker, a.tenantId)).toBe(3);
    expect(await verify(tdb.worker, a.tenantId)).toMatchObject({ status: 'verified', events: 8 });
  });

  it('several drainers at once in one process: exactly once, in order', async () => {
    const tenants = await Promise.all([1, 2, 3].map((i) => insertOrg(tdb.owner, `par${i}`)));
    for (const t of tenants) await insertOutbox(tdb.owner, t.tenantId, 300);
    await Promise.all(Array.from({ length: 4 }, () => drainAll(tdb.worker, { batchSize: 37 })));
    await drainAll(tdb.worker); // whatever a busy skip left
    for (const t of tenants) {
      const log = await logOf(tdb.admin, t.tenantId);
      expect(log.map((r) => r.n)).toEqual(Array.from({ length: 300 }, (_, i) => i));
      expect(log.map((r) => r.sequence)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
      expect(await verify(tdb.worker, t.tenantId)).toMatchObject({ status: 'verified', events: 300 });
    }
  });

  it('drains tenant-less security events into the platform log with the same chain', async () => {
    await insertPlatformOutbox(tdb.owner, 12);
    await drainAll(tdb.worker, { batchSize: 5 });
    const { rows } = await sql<{ sequence: number; prevHash: Buffer; hash: Buffer }>`
      select sequence, prev_hash as "prevHash", hash from platform_audit_log order by sequence`.execute(tdb.admin);
    expect(rows.map((r) => r.sequence)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(rows[0]!.prevHash.equals(Buffer.alloc(32))).toBe(true);
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.prevHash.equals(rows[i - 1]!.hash)).toBe(true);
    expect(
      (await sql<{ n: number }>`select count(*)::int as n from platform_audit_outbox`.execute(tdb.admin)).rows[0]!.n,
    ).toBe(0);
  });

  it('the worker role cannot read one tenant from inside another', async () => {
    const a = await insertOrg(tdb.owner, 'iso-a');
    const b = await insertOrg(tdb.owner, 'iso-b');
    await insertOutbox(tdb.owner, b.tenantId, 2);
    const seen = await withTenant(tdb.worker, { tenantId: a.tenantId }, (trx) =>
      trx.selectFrom('auditOutbox').select('tenantId').execute(),
    );
    expect(seen).toEqual([]);
    // Asking for B's batch under A's context appends nothing (the head and rows are out of reach).
    const status = await withTenant(tdb.worker, { tenantId: a.tenantId }, (trx) => verifyTenantChain(trx));
    expect(status).toMatchObject({ status: 'verified', events: 0 });
  });
});
