/**
 * Issue 6 benchmark: backup throughput and memory.
 *
 *  - Throughput: MB of table data per second for one tenant's backup (worker role, withTenant,
 *    REPEATABLE READ snapshot, NDJSON, gzip, AES-256-GCM frames, written to disk) against
 *    `psql -c "COPY (SELECT * FROM t WHERE tenant_id = ...) TO STDOUT" | gzip` of the same rows. "MB of table
 *    data" is the size of that COPY text, for both. Alternating rounds, median of each, ratio.
 *  - Memory: peak RSS of a child process running one backup, for a tenant 1x and 10x in size.
 *
 * Run: pnpm bench backup   (BENCH_BACKUP_ROWS=100000 rows of audit_outbox for 1x; BENCH_ROUNDS=3)
 */
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createDb, sql, withNewTenant } from '@mfiq/db';
import { startThrowawayCluster } from '@mfiq/db/throwaway';
import { median } from './lib/measure.ts';

const ROWS = Number(process.env.BENCH_BACKUP_ROWS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PSQL = process.env.BENCH_PSQL ?? '/usr/bin/psql';
const CHILD = fileURLToPath(new URL('./backup-child.ts', import.meta.url));
const run = promisify(execFile);

async function seedTenant(db: ReturnType<typeof createDb>, label: string, rows: number): Promise<string> {
  const tenantId = randomUUID();
  await withNewTenant(db, { tenantId }, async (trx) => {
    await trx
      .insertInto('organizations')
      .values({ tenantId, slug: `${label}-${tenantId.slice(0, 6)}`, name: `Bench ${label}` })
      .execute();
    // Audit events shaped like real ones: actor, target, a small before/after, request metadata.
    for (let done = 0; done < rows; done += 50_000) {
      const n = Math.min(50_000, rows - done);
      await sql`insert into audit_outbox (tenant_id, action, actor_type, actor_id, actor_display, target_type, target_id, target_display, before, after, ip, user_agent, request_id)
        select ${tenantId}, 'metric.updated', 'user', gen_random_uuid(), 'someone@example.com', 'metric', g::text, 'Revenue (EUR) #' || g,
               jsonb_build_object('value', g, 'target', g * 2), jsonb_build_object('value', g + 1, 'target', g * 2),
               '203.0.113.' || (g % 250), 'Mozilla/5.0 (X11; Linux x86_64) bench', gen_random_uuid()::text
          from generate_series(${done + 1}::int, ${done + n}::int) g`.execute(trx);
    }
  });
  return tenantId;
}

/** The baseline: COPY of every tenant table's rows, through gzip, discarded. Returns ms and COPY bytes. */
async function copyGzip(adminUrl: string, tenantId: string, tables: string[]): Promise<number> {
  const copies = tables
    .map(
      (t) =>
        `-c "COPY (SELECT * FROM ${t} WHERE tenant_id = '${tenantId}' ORDER BY tenant_id, ${t === 'organizations' ? 'tenant_id' : 'id'}) TO STDOUT"`,
    )
    .join(' ');
  const t0 = performance.now();
  await run('sh', ['-c', `${PSQL} "${adminUrl}" -X -q ${copies} | gzip > /dev/null`], { maxBuffer: 1024 * 1024 });
  return performance.now() - t0;
}

async function copyBytes(adminUrl: string, tenantId: string, tables: string[]): Promise<number> {
  const copies = tables
    .map((t) => `-c "COPY (SELECT * FROM ${t} WHERE tenant_id = '${tenantId}') TO STDOUT"`)
    .join(' ');
  const { stdout } = await run('sh', ['-c', `${PSQL} "${adminUrl}" -X -q ${copies} | wc -c`]);
  return Number(stdout.trim());
}

function backupInChild(
  workerUrl: string,
  tenantId: string,
  dir: string,
): Promise<{ ms: number; bytes: number; rows: number; maxRssKb: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
      env: { ...process.env, BENCH_WORKER_URL: workerUrl, BENCH_TENANT: tenantId, BENCH_BACKUP_DIR: dir },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`backup child exited with ${code}`)),
    );
  });
}

export async function benchBackup() {
  const cluster = await startThrowawayCluster('bench');
  const owner = createDb(cluster.urls.owner, { max: 2, statementTimeoutMs: 0 });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mfiq-bench-backups-'));
  try {
    const small = await seedTenant(owner, 'small', ROWS);
    const large = await seedTenant(owner, 'large', ROWS * 10);
    await sql`vacuum analyze`.execute(createDb(cluster.urls.admin, { max: 1 })).catch(() => {});
    const tables = ['organizations', 'memberships', 'audit_outbox'];
    const adminUrl = cluster.urls.admin;
    const mb = (await copyBytes(adminUrl, large, tables)) / 1024 / 1024;

    // Warm-up, then alternating rounds on the large tenant.
    await copyGzip(adminUrl, large, tables);
    await backupInChild(cluster.urls.worker, large, dir);
    const base: number[] = [];
    const cand: number[] = [];
    const rss10: number[] = [];
    let backupBytes = 0;
    for (let i = 0; i < ROUNDS; i++) {
      base.push(mb / ((await copyGzip(adminUrl, large, tables)) / 1000));
      const r = await backupInChild(cluster.urls.worker, large, dir);
      cand.push(mb / (r.ms / 1000));
      rss10.push(r.maxRssKb);
      backupBytes = r.bytes;
    }
    const rss1: number[] = [];
    for (let i = 0; i < ROUNDS; i++) rss1.push((await backupInChild(cluster.urls.worker, small, dir)).maxRssKb);
    const baselineMBps = median(base);
    const backupMBps = median(cand);
    return {
      name: 'backup',
      what: 'one tenant backup (worker role, snapshot, NDJSON, gzip, AES-256-GCM frames, to disk) vs psql COPY ... | gzip of the same rows; peak RSS of the backup process at 1x and 10x rows',
      rows1x: ROWS + 1,
      rows10x: ROWS * 10 + 1,
      tableDataMB10x: Number(mb.toFixed(1)),
      encryptedBackupMB10x: Number((backupBytes / 1024 / 1024).toFixed(1)),
      baselineMBps: Number(baselineMBps.toFixed(1)),
      backupMBps: Number(backupMBps.toFixed(1)),
      ratio: Number((backupMBps / baselineMBps).toFixed(2)),
      target: '>= 0.7',
      peakRssMB1x: Number((median(rss1) / 1024).toFixed(1)),
      peakRssMB10x: Number((median(rss10) / 1024).toFixed(1)),
      rounds: {
        baselineMBps: base.map((x) => Number(x.toFixed(1))),
        backupMBps: cand.map((x) => Number(x.toFixed(1))),
      },
    };
  } finally {
    await owner.destroy();
    await rm(dir, { recursive: true, force: true });
    await cluster.stop();
  }
}
