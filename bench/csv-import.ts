/**
 * Issue 4 benchmark: a generated CSV file (1,000,000 rows by default, 10 metrics, hourly points)
 * imported by the real worker (graphile-worker, worker role, csv_import task) from upload to
 * completion, against the bare write path on the same rows: INSERT ... SELECT FROM unnest(...) in
 * batches of 10,000 into data_points (same rollup triggers) on a direct connection, no parsing, no
 * checks, no progress. Run: pnpm bench csv-import   (BENCH_IMPORT_ROWS to change the size)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDb, sql, withTenant } from '@mfiq/db';
import { startThrowawayCluster } from '@mfiq/db/throwaway';
import { startWorker } from '@mfiq/worker';
import { createImportTenant, generateCsv, GENERATED_METRICS, stageImport } from '@mfiq/worker/testing/imports';
import pino from 'pino';

const ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 1_000_000);
const BATCH = 10_000;

export async function benchCsvImport() {
  const cluster = await startThrowawayCluster('bench_import');
  const owner = createDb(cluster.urls.owner, { max: 2 });
  const app = createDb(cluster.urls.app, { max: 2 });
  const dir = mkdtempSync(path.join(tmpdir(), 'mfiq-bench-import-'));
  try {
    const file = path.join(dir, 'points.csv');
    const bytes = await generateCsv(file, ROWS);

    // Baseline: the same points, already parsed, through the bare unnest upsert.
    const baseTenant = await createImportTenant(owner);
    const ids = await withTenant(app, { tenantId: baseTenant }, (trx) =>
      trx.selectFrom('metrics').select(['id', 'key']).execute(),
    );
    const idOf = new Map(ids.map((r) => [r.key, r.id]));
    const t0 = performance.now();
    const start = Date.UTC(2015, 0, 1);
    for (let from = 0; from < ROWS; from += BATCH) {
      const m: string[] = [];
      const t: string[] = [];
      const v: number[] = [];
      for (let i = from; i < Math.min(ROWS, from + BATCH); i++) {
        m.push(idOf.get(GENERATED_METRICS[i % 10]!)!);
        t.push(new Date(start + Math.floor(i / 10) * 3_600_000).toISOString());
        v.push(((i * 7919) % 100_000) / 100);
      }
      await withTenant(app, { tenantId: baseTenant }, (trx) =>
        sql`insert into data_points (tenant_id, metric_id, ts, value)
            select ${baseTenant}::uuid, a, b, c from unnest(${m}::uuid[], ${t}::timestamptz[], ${v}::float8[]) as u (a, b, c)
            on conflict (tenant_id, metric_id, ts) do update set value = excluded.value`.execute(trx),
      );
    }
    const baselineMs = performance.now() - t0;

    // Candidate: upload (streamed into chunks) + the worker's run, timed separately.
    const tenantId = await createImportTenant(owner);
    const u0 = performance.now();
    const importId = await stageImport(app, tenantId, file);
    const uploadMs = performance.now() - u0;
    const worker = await startWorker({
      connectionString: cluster.urls.worker,
      concurrency: 1,
      logger: pino({ level: 'silent' }),
      crontab: '',
      pollInterval: 100,
    });
    const r0 = performance.now();
    let peakRss = process.memoryUsage().rss;
    await worker.addJob(
      'csv_import',
      { tenantId, importId },
      { queueName: `imports:${tenantId}`, jobKey: `csv_import:${importId}` },
    );
    let status = 'queued';
    while (status !== 'completed' && status !== 'failed') {
      await new Promise((r) => setTimeout(r, 250));
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      status = (
        await withTenant(app, { tenantId }, (trx) =>
          trx.selectFrom('imports').select('status').where('id', '=', importId).executeTakeFirstOrThrow(),
        )
      ).status;
    }
    const runMs = performance.now() - r0;
    await worker.stop();
    const written = await withTenant(app, { tenantId }, (trx) =>
      trx
        .selectFrom('dataPoints')
        .select(sql<number>`count(*)::int`.as('n'))
        .executeTakeFirstOrThrow(),
    );
    return {
      name: 'csv-import',
      what: 'worker csv_import task (parse, check, batched writePoints with rollups, progress) vs bare unnest upserts of the same rows',
      rows: ROWS,
      fileMB: Math.round(bytes / 1024 / 102.4) / 10,
      status,
      pointsWritten: written.n,
      uploadSec: Math.round(uploadMs / 100) / 10,
      importSec: Math.round(runMs / 100) / 10,
      importRowsPerSec: Math.round(ROWS / (runMs / 1000)),
      baselineSec: Math.round(baselineMs / 100) / 10,
      baselineRowsPerSec: Math.round(ROWS / (baselineMs / 1000)),
      ratio: Math.round((baselineMs / runMs) * 100) / 100,
      peakRssMB: Math.round(peakRss / 1024 / 1024),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await app.destroy();
    await owner.destroy();
    await cluster.stop();
  }
}
