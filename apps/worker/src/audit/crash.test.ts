import { sql } from '@mfiq/db';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertOrg, insertOutbox, logOf, verify } from '../testing/audit-fixtures.ts';
import { waitFor } from '../testing/fixtures.ts';
import { spawnWorker, type WorkerProcess } from '../testing/worker-process.ts';

/**
 * The drain under process crashes and concurrency, with the real worker entry point in child
 * processes: every event lands exactly once, per-tenant sequences have no gaps and every chain
 * verifies. Small batches make many transactions, so kills land inside them.
 */
let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(() => tdb.drop());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const env = () => ({ WORKER_DATABASE_URL: tdb.urls.worker, AUDIT_DRAIN_BATCH: '40', AUDIT_DRAIN_INTERVAL_MS: '200' });

async function outboxLeft(): Promise<number> {
  return (await sql<{ n: number }>`select count(*)::int as n from audit_outbox`.execute(tdb.admin)).rows[0]!.n;
}

/**
 * Writes `total` events round-robin across the tenants in slices, continuing each tenant's markers
 * from `written` (which it updates), pausing between slices while the workers drain.
 */
async function writer(
  tenants: string[],
  written: Map<string, number>,
  total: number,
  slice: number,
  pauseMs: number,
): Promise<void> {
  for (let done = 0, i = 0; done < total; i++) {
    const tenant = tenants[i % tenants.length]!;
    const n = Math.min(slice, total - done);
    await insertOutbox(tdb.owner, tenant, n, { from: written.get(tenant) ?? 0 });
    written.set(tenant, (written.get(tenant) ?? 0) + n);
    done += n;
    if (pauseMs) await sleep(pauseMs);
  }
}

async function expectExactlyOnce(tenants: string[], perTenant: Map<string, number>) {
  expect(await outboxLeft()).toBe(0);
  for (const t of tenants) {
    const log = await logOf(tdb.admin, t);
    const want = perTenant.get(t)!;
    // Each marker once (exactly once), in the order it was written (per-tenant order) ...
    expect(log.map((r) => r.n)).toEqual(Array.from({ length: want }, (_, k) => k));
    // ... sequences 1..n with no gap ...
    expect(log.map((r) => r.sequence)).toEqual(Array.from({ length: want }, (_, k) => k + 1));
    // ... and a chain that verifies end to end.
    expect(await verify(tdb.worker, t)).toMatchObject({ status: 'verified', events: want });
  }
}

async function stopGracefully(w: WorkerProcess) {
  w.child.kill('SIGTERM');
  await w.exited;
}

describe('crash safety', () => {
  it('10,000 events drained while the worker is SIGKILLed at random moments and restarted 10 times', async () => {
    const tenants = (await Promise.all([1, 2, 3, 4].map((i) => insertOrg(tdb.owner, `crash${i}`)))).map(
      (o) => o.tenantId,
    );
    const written = new Map<string, number>();
    // A first quarter is waiting before any worker starts; the rest arrives in bursts while each
    // worker runs, so a kill lands mid-drain however fast the machine drains.
    await writer(tenants, written, 2_500, 250, 0);

    let killedWithWorkPending = 0;
    for (let kill = 0; kill < 10; kill++) {
      const w = spawnWorker(env());
      await Promise.race([w.started, w.exited]);
      const burst = writer(tenants, written, 750, 250, 0);
      await sleep(20 + Math.random() * 180);
      if ((await outboxLeft()) > 0) killedWithWorkPending += 1;
      w.child.kill('SIGKILL');
      expect(await w.exited).toBeNull();
      await burst;
    }
    const last = spawnWorker(env());
    await waitFor(async () => (await outboxLeft()) === 0, 60_000, 'the outbox to drain');
    await stopGracefully(last);
    // Most kills must hit a worker with work in hand, or the test proves little.
    expect(killedWithWorkPending).toBeGreaterThanOrEqual(5);
    expect([...written.values()].reduce((a, b) => a + b)).toBe(10_000);
    await expectExactlyOnce(tenants, written);
  }, 120_000);

  for (const processes of [2, 3]) {
    it(`${processes} worker processes draining at once: exactly once, in order, chains verify`, async () => {
      const tenants = (await Promise.all([1, 2, 3].map((i) => insertOrg(tdb.owner, `multi${processes}x${i}`)))).map(
        (o) => o.tenantId,
      );
      const workers = Array.from({ length: processes }, () => spawnWorker(env()));
      await Promise.all(workers.map((w) => Promise.race([w.started, w.exited])));
      const written = new Map<string, number>();
      await writer(tenants, written, 3_000, 100, 10);
      await waitFor(async () => (await outboxLeft()) === 0, 60_000, 'the outbox to drain');
      await Promise.all(workers.map(stopGracefully));
      // Every process took part (each logs what it drained).
      const drainedBy = workers.filter((w) => /drained [1-9]\d* audit event/.test(w.output())).length;
      expect(drainedBy).toBeGreaterThanOrEqual(2);
      await expectExactlyOnce(tenants, written);
    }, 90_000);
  }
});
