/**
 * Issue 5 benchmark. (1) Drain throughput: events/s moved from audit_outbox into audit_log by the
 * drain (lock head, read, chain, append, delete, move head; one transaction per batch) against a
 * plain multi-row INSERT of the same events into audit_log (no chain work, nothing deleted).
 * (2) Outbox-to-log delay p50/p95 under a steady write load, with the real worker process woken
 * by NOTIFY. Run: pnpm bench audit-drain
 */
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createDb, sql, withTenant, type Database, withNewTenant } from '@mfiq/db';
import { startThrowawayCluster } from '@mfiq/db/throwaway';
import { drainAll } from '@mfiq/worker';
import { median } from './lib/measure.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const TENANTS = Number(process.env.BENCH_TENANTS ?? 20);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LOAD_SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 10);
const LOAD_PER_SECOND = Number(process.env.BENCH_LOAD_PER_SECOND ?? 200);

async function fill(owner: Database, tenants: string[], perTenant: number) {
  for (const t of tenants) {
    await withTenant(owner, { tenantId: t }, (trx) =>
      sql`insert into audit_outbox (tenant_id, action, actor_type, actor_id, actor_display, target_type, target_id, before, after, ip, user_agent, request_id)
          select ${t}, 'organization.updated', 'user', gen_random_uuid(), 'bench@example.com', 'organization', ${t},
                 jsonb_build_object('name', 'old ' || g), jsonb_build_object('name', 'new ' || g), '203.0.113.9', 'bench', 'req-' || g
            from generate_series(1, ${perTenant}::int) g`.execute(trx),
    );
  }
}

/** The baseline: the same rows (content copied from the outbox) inserted in 500-row statements, no chain. */
async function plainInsert(owner: Database, tenants: string[]): Promise<number> {
  const started = performance.now();
  let n = 0;
  for (const t of tenants) {
    await withTenant(owner, { tenantId: t }, async (trx) => {
      const { rows } = await sql<{ id: string }>`select id from audit_outbox where tenant_id = ${t}`.execute(trx);
      for (let i = 0; i < rows.length; i += 500) {
        const ids = rows.slice(i, i + 500).map((r) => r.id);
        const res = await sql`
          insert into audit_log (tenant_id, id, sequence, occurred_at, recorded_at, action, outcome, actor_type, actor_id, actor_display,
                                 target_type, target_id, target_display, before, after, ip, user_agent, request_id, prev_hash, hash)
          select o.tenant_id, gen_random_uuid(), 1000000 + row_number() over () + ${i}, o.occurred_at, now(), o.action, o.outcome, o.actor_type, o.actor_id,
                 o.actor_display, o.target_type, o.target_id, o.target_display, o.before, o.after, o.ip, o.user_agent, o.request_id,
                 '\\x0000000000000000000000000000000000000000000000000000000000000000'::bytea, sha256(o.id::text::bytea)
            from audit_outbox o where o.tenant_id = ${t} and o.id = any(${ids}::uuid[])`.execute(trx);
        n += Number(res.numAffectedRows);
      }
    });
  }
  const seconds = (performance.now() - started) / 1000;
  return n / seconds;
}

async function reset(admin: Database) {
  await sql`alter table audit_log disable trigger user`.execute(admin);
  await sql`truncate audit_log, audit_chain_heads, audit_outbox`.execute(admin);
  await sql`alter table audit_log enable trigger user`.execute(admin);
}

export async function benchAuditDrain() {
  const cluster = await startThrowawayCluster('bench');
  const admin = createDb(cluster.urls.admin, { max: 2 });
  const owner = createDb(cluster.urls.owner, { max: 4 });
  const worker = createDb(cluster.urls.worker, { max: 4 });
  const tenants: string[] = [];
  for (let i = 0; i < TENANTS; i++) {
    const t = randomUUID();
    await withNewTenant(owner, { tenantId: t }, (trx) =>
      trx
        .insertInto('organizations')
        .values({ tenantId: t, slug: `bench-${i}`, name: `Bench ${i}` })
        .execute(),
    );
    tenants.push(t);
  }
  const perTenant = Math.ceil(EVENTS / TENANTS);
  const base: number[] = [];
  const drain: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    await reset(admin);
    await fill(owner, tenants, perTenant);
    base.push(await plainInsert(owner, tenants));
    await reset(admin);
    await fill(owner, tenants, perTenant);
    const started = performance.now();
    const result = await drainAll(worker, { batchSize: 500, budgetMs: 600_000 });
    drain.push(result.events / ((performance.now() - started) / 1000));
  }

  // Delay under steady load: the real worker process, woken by NOTIFY after each commit.
  await reset(admin);
  const main = fileURLToPath(new URL('../apps/worker/src/main.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', main], {
    cwd: fileURLToPath(new URL('../apps/worker/', import.meta.url)),
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'development',
      WORKER_DATABASE_URL: cluster.urls.worker,
      LOG_LEVEL: 'warn',
    },
    stdio: 'ignore',
  });
  await new Promise((r) => setTimeout(r, 3_000));
  const app = createDb(cluster.urls.app, { max: 4 });
  const end = performance.now() + LOAD_SECONDS * 1000;
  const interval = 1000 / LOAD_PER_SECOND;
  let i = 0;
  while (performance.now() < end) {
    const t = tenants[i++ % tenants.length]!;
    // One event per transaction, as a mutation writes it.
    await withTenant(app, { tenantId: t }, (trx) =>
      trx
        .insertInto('auditOutbox')
        .values({ tenantId: t, action: 'organization.updated', actorType: 'system' })
        .execute(),
    );
    await new Promise((r) => setTimeout(r, interval));
  }
  for (let k = 0; k < 100; k++) {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from audit_outbox`.execute(admin);
    if (!rows[0]!.n) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const { rows } = await sql<{ p50: number; p95: number; n: number }>`
    select percentile_cont(0.5) within group (order by ms) as p50, percentile_cont(0.95) within group (order by ms) as p95, count(*)::int as n
      from (select extract(epoch from recorded_at - occurred_at) * 1000 as ms from audit_log) d`.execute(admin);
  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
  await Promise.all([admin.destroy(), owner.destroy(), worker.destroy(), app.destroy()]);
  await cluster.stop();
  const b = median(base);
  const d = median(drain);
  return {
    name: 'audit-drain',
    what: 'drain (head lock + chain + append + delete, 500/batch) vs plain 500-row INSERT of the same events; delay outbox->log under steady load with the worker woken by NOTIFY',
    events: perTenant * TENANTS,
    tenants: TENANTS,
    plainInsertEventsPerSec: Math.round(b),
    drainEventsPerSec: Math.round(d),
    ratio: Number((d / b).toFixed(3)),
    // Writes are sequential one-event transactions paced at the target; the achieved rate is what counts.
    load: {
      targetEventsPerSecond: LOAD_PER_SECOND,
      achievedEventsPerSecond: Math.round(rows[0]!.n / LOAD_SECONDS),
      seconds: LOAD_SECONDS,
      drained: rows[0]!.n,
    },
    delayP50Ms: Math.round(rows[0]!.p50),
    delayP95Ms: Math.round(rows[0]!.p95),
  };
}
