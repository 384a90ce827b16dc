import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql, withTenant } from '@mfiq/db';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker } from '../runner.ts';
import { memoryLogger, waitFor } from '../testing/fixtures.ts';
import { createImportTenant, generateCsv, stageImport } from '../testing/imports.ts';
import { IMPORT_MAX_ROWS } from '@mfiq/api/imports';
import { CSV_IMPORT_TASK } from './csv-import.ts';

/**
 * The real worker (graphile-worker, the worker role) running a generated file of the largest size
 * an import accepts (1,000,000 rows, about a minute on two cores) to the end; bench/csv-import.ts
 * measures its speed (docs/decisions/0072-csv-import-scale.md). IMPORT_TEST_ROWS overrides the size.
 */
const ROWS = Number(process.env.IMPORT_TEST_ROWS ?? IMPORT_MAX_ROWS);

let tdb: TestDatabase;
let dir: string;
beforeAll(async () => {
  tdb = await createTestDatabase();
  dir = mkdtempSync(path.join(tmpdir(), 'mfiq-import-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await tdb.drop();
});

describe('csv_import task', () => {
  it(
    `imports a ${ROWS.toLocaleString('en-US')}-row file to completion, with per-row errors, as the worker role`,
    { timeout: 600_000 },
    async () => {
      const tenantId = await createImportTenant(tdb.owner);
      const other = await createImportTenant(tdb.owner);
      const file = path.join(dir, 'big.csv');
      await generateCsv(file, ROWS, { badEvery: 10_000 });
      const importId = await stageImport(tdb.app, tenantId, file);

      const { logger, lines } = memoryLogger('info');
      const worker = await startWorker({
        connectionString: tdb.urls.worker,
        concurrency: 1,
        logger,
        crontab: '',
        pollInterval: 200,
      });
      try {
        await worker.addJob(
          CSV_IMPORT_TASK,
          { tenantId, importId },
          { queueName: `imports:${tenantId}`, jobKey: `csv_import:${importId}`, maxAttempts: 3 },
        );
        // Progress is visible while it runs (committed per batch), then the import completes.
        const seen = new Set<number>();
        const done = await waitFor(
          async () => {
            const row = await withTenant(tdb.app, { tenantId }, (trx) =>
              trx
                .selectFrom('imports')
                .select(['status', 'rowsProcessed', 'rowsWritten', 'rowsFailed', 'error'])
                .where('id', '=', importId)
                .executeTakeFirstOrThrow(),
            );
            seen.add(row.rowsProcessed);
            return row.status === 'completed' || row.status === 'failed' ? row : undefined;
          },
          590_000,
          'the import to finish',
        );
        const bad = Math.floor(ROWS / 10_000);
        expect(done).toEqual({
          status: 'completed',
          rowsProcessed: ROWS,
          rowsWritten: ROWS - bad,
          rowsFailed: bad,
          error: null,
        });
        if (ROWS >= 50_000) expect(seen.size).toBeGreaterThan(2);
        const counts = await withTenant(tdb.owner, { tenantId }, async (trx) => {
          const { rows } = await sql<{ points: number; days: number; n: number; errors: number; chunks: number }>`
          select (select count(*)::int from data_points where tenant_id = ${tenantId}) as points,
                 (select count(*)::int from metric_daily_rollups where tenant_id = ${tenantId}) as days,
                 (select sum(n)::int from metric_daily_rollups where tenant_id = ${tenantId}) as n,
                 (select count(*)::int from import_errors where tenant_id = ${tenantId}) as errors,
                 (select count(*)::int from import_chunks where tenant_id = ${tenantId}) as chunks`.execute(trx);
          return rows[0]!;
        });
        // Rollups cover every written point; the file's bytes are dropped after the run.
        expect(counts).toEqual({ points: ROWS - bad, days: expect.any(Number), n: ROWS - bad, errors: bad, chunks: 0 });
        const errors = await withTenant(tdb.owner, { tenantId }, (trx) =>
          trx.selectFrom('importErrors').select(['line', 'message']).orderBy('line').limit(2).execute(),
        );
        expect(errors[0]).toEqual({
          line: 10_001,
          message: 'Value "n/a" is not a number (use a dot for decimals, no thousands separators)',
        });
        // The other organization is untouched. The owner role reads data points across tenants for
        // the data-retention directory (migration 0053), so the tenant is named here.
        const untouched = await withTenant(tdb.owner, { tenantId: other }, (trx) =>
          trx
            .selectFrom('dataPoints')
            .select(sql<number>`count(*)::int`.as('n'))
            .where('tenantId', '=', other)
            .executeTakeFirstOrThrow(),
        );
        expect(untouched.n).toBe(0);
        expect(lines()).toContainEqual(
          expect.objectContaining({ task: CSV_IMPORT_TASK, status: 'completed', rows: ROWS, failed: bad }),
        );
      } finally {
        await worker.stop();
      }
    },
  );

  it('refuses the import of a locked organization: marked failed with the reason, nothing written', async () => {
    const tenantId = await createImportTenant(tdb.owner);
    const file = path.join(dir, 'small.csv');
    await generateCsv(file, 20);
    const importId = await stageImport(tdb.app, tenantId, file);
    await withTenant(tdb.owner, { tenantId }, (trx) =>
      trx.updateTable('organizations').set({ lockedAt: new Date(), lockedReason: 'incident' }).execute(),
    );
    const worker = await startWorker({
      connectionString: tdb.urls.worker,
      concurrency: 1,
      logger: memoryLogger('info').logger,
      crontab: '',
      pollInterval: 200,
    });
    try {
      await worker.addJob(
        CSV_IMPORT_TASK,
        { tenantId, importId },
        { queueName: `imports:${tenantId}`, jobKey: `csv_import:${importId}`, maxAttempts: 3 },
      );
      const read = () =>
        withTenant(tdb.owner, { tenantId, evenIfLocked: true }, async (trx) => ({
          row: await trx
            .selectFrom('imports')
            .select(['status', 'error', 'rowsWritten'])
            .where('id', '=', importId)
            .executeTakeFirstOrThrow(),
          points: (
            await trx
              .selectFrom('dataPoints')
              .select(sql<number>`count(*)::int`.as('n'))
              .where('tenantId', '=', tenantId)
              .executeTakeFirstOrThrow()
          ).n,
          // The worker's drain may already have moved the event from the outbox into the log.
          // One statement (one snapshot): the drain moves an event from the outbox to the log in one
          // transaction, so two reads could count it twice. The owner's directory policies see every
          // tenant's events: name this one.
          events: await trx
            .selectFrom('auditOutbox')
            .select('action')
            .where('action', '=', 'import.failed')
            .where('tenantId', '=', tenantId)
            .unionAll(
              trx
                .selectFrom('auditLog')
                .select('action')
                .where('action', '=', 'import.failed')
                .where('tenantId', '=', tenantId),
            )
            .execute(),
        }));
      const done = await waitFor(
        async () => {
          const r = await read();
          return r.row.status === 'failed' ? r : undefined;
        },
        60_000,
        'the import to be refused',
      );
      expect(done.row).toEqual({
        status: 'failed',
        error: 'The organization was locked by the service operators. Start the import again once it is unlocked.',
        rowsWritten: 0,
      });
      expect(done.points).toBe(0);
      expect(done.events).toHaveLength(1);
    } finally {
      await worker.stop();
    }
  });
});
