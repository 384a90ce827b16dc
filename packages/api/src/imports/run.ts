import { Readable } from 'node:stream';
import { sql, TenantLockedError, withTenant, type Database, type TenantDb } from '@mfiq/db';
import { CsvError } from 'csv-parse';
import { audit, type AuditContext } from '../audit.ts';
import { AppError } from '../errors.ts';
import { writePoints, type PointInput } from '../metrics/points.ts';
import { csvStream, lineOf, type Delimiter } from './csv.ts';
import { IMPORT_BATCH_ROWS, IMPORT_MAX_ROWS, MAX_STORED_ERRORS } from './limits.ts';
import { mappingSchema } from '../routers/imports/schemas.ts';
import { loadMetrics, resolveMapping } from './mapping.ts';
import { checkRow, DuplicateTracker, duplicateMessage } from './rows.ts';
import { readChunks } from './storage.ts';

export interface RunImportOptions {
  /** The worker role's pool: every statement goes through withTenant. */
  db: Database;
  tenantId: string;
  importId: string;
  /** For the audit event's request id and the logs. */
  jobId: string;
  /** 1-based attempt of the job and the job's maximum: the last attempt marks a crash as failed. */
  attempt: number;
  maxAttempts: number;
  batchRows?: number;
}

export type RunOutcome =
  | { status: 'completed'; rows: number; written: number; changed: number; failed: number }
  | { status: 'failed'; error: string }
  | { status: 'skipped'; reason: string };

/** A file that cannot be read as CSV to the end: the import fails with this message, no retry. */
class FileError extends Error {}

interface Counters {
  rows: number;
  written: number;
  changed: number;
  failed: number;
  storedErrors: number;
  bytes: number;
}

/**
 * Runs one import (docs/decisions/0071-csv-import-semantics.md): reads the stored file through
 * csv-parse, checks each row against the mapping, and writes good rows in batches through the
 * same unnest upsert as every other way in (writePoints), so the daily rollups follow. Each batch
 * is one tenant transaction with its rejected rows and the progress counters, so the page's
 * progress is exactly what is committed. A retried job starts over: the upsert makes rewriting
 * the same rows a no-op. One audit event at the end carries the counts.
 */
export async function runImport(opts: RunImportOptions): Promise<RunOutcome> {
  try {
    return await runUnlockedImport(opts);
  } catch (error) {
    if (!(error instanceof TenantLockedError)) throw error;
    // A lock refuses imports like every other way in (ADR 0081); the import is told why, under the
    // lock, so it does not sit "running" forever. Its stored bytes go, as for any failed import.
    const message = 'The organization was locked by the service operators. Start the import again once it is unlocked.';
    const row = await withTenant(opts.db, { tenantId: opts.tenantId, evenIfLocked: true }, async (trx) => {
      const found = await trx
        .selectFrom('imports')
        .select(['fileName', 'sha256', 'status'])
        .where('tenantId', '=', opts.tenantId)
        .where('id', '=', opts.importId)
        .executeTakeFirst();
      if (found && (found.status === 'queued' || found.status === 'running')) {
        await finish(trx, opts, found.fileName, found.sha256, { status: 'failed', error: message });
      }
      return found;
    });
    return row ? { status: 'failed', error: message } : { status: 'skipped', reason: 'no such import' };
  }
}

async function runUnlockedImport(opts: RunImportOptions): Promise<RunOutcome> {
  const { db, tenantId, importId } = opts;
  const tx = <T>(fn: (trx: TenantDb) => Promise<T>) => withTenant(db, { tenantId }, fn);
  const row = await tx((trx) =>
    trx
      .selectFrom('imports')
      .selectAll()
      .where('tenantId', '=', tenantId)
      .where('id', '=', importId)
      .executeTakeFirst(),
  );
  if (!row) return { status: 'skipped', reason: 'no such import' };
  if (row.status !== 'queued' && row.status !== 'running')
    return { status: 'skipped', reason: `import is ${row.status}` };

  const fail = async (error: string): Promise<RunOutcome> => {
    await tx((trx) => finish(trx, opts, row.fileName, row.sha256, { status: 'failed', error }));
    return { status: 'failed', error };
  };
  const mapping = mappingSchema.safeParse(row.mapping);
  if (!mapping.success) return fail('The stored column mapping is not valid; map the columns again');

  try {
    const metrics = await tx(async (trx) => {
      await trx
        .updateTable('imports')
        .set({
          status: 'running',
          startedAt: new Date(),
          finishedAt: null,
          error: null,
          attempts: opts.attempt,
          rowsProcessed: 0,
          rowsWritten: 0,
          pointsChanged: 0,
          rowsFailed: 0,
          bytesProcessed: 0,
        })
        .where('tenantId', '=', tenantId)
        .where('id', '=', importId)
        .execute();
      await trx.deleteFrom('importErrors').where('tenantId', '=', tenantId).where('importId', '=', importId).execute();
      return loadMetrics(trx, tenantId);
    });
    const resolved = resolveMapping(row.header, mapping.data, metrics);
    const counters: Counters = { rows: 0, written: 0, changed: 0, failed: 0, storedErrors: 0, bytes: 0 };
    const duplicates = new DuplicateTracker();
    let points: PointInput[] = [];
    let pointLines: number[] = [];
    let errors: { line: number; message: string }[] = [];
    const reject = (line: number, message: string) => {
      counters.failed += 1;
      errors.push({ line, message });
    };

    const flush = async () => {
      const batch = points;
      const lines = pointLines;
      const batchErrors = errors;
      points = [];
      pointLines = [];
      errors = [];
      await tx(async (trx) => {
        if (batch.length) {
          const result = await writePoints(trx, tenantId, batch);
          counters.written += result.written;
          counters.changed += result.changed;
          // Checked already; a metric archived since the run started is the one way to get here.
          for (const e of result.errors) {
            counters.failed += 1;
            batchErrors.push({ line: lines[e.index]!, message: e.message });
          }
        }
        const room = Math.max(0, MAX_STORED_ERRORS - counters.storedErrors);
        const stored = batchErrors.slice(0, room);
        if (stored.length) {
          await trx
            .insertInto('importErrors')
            .values(stored.map((e) => ({ tenantId, importId, line: e.line, message: e.message.slice(0, 500) })))
            .onConflict((oc) => oc.doNothing())
            .execute();
          counters.storedErrors += stored.length;
        }
        await trx
          .updateTable('imports')
          .set({
            rowsProcessed: counters.rows,
            rowsWritten: counters.written,
            pointsChanged: counters.changed,
            rowsFailed: counters.failed,
            bytesProcessed: counters.bytes,
          })
          .where('tenantId', '=', tenantId)
          .where('id', '=', importId)
          .execute();
      });
    };

    let lastLine = 1;
    const parser = csvStream(row.delimiter as Delimiter, (error) => {
      counters.rows += 1;
      reject(lineOf(error) ?? lastLine + 1, `Malformed CSV row: ${error.message.slice(0, 200)}`);
    });
    const source = Readable.from(readChunks(db, tenantId, importId));
    source.on('error', (e) => parser.destroy(e));
    source.pipe(parser);
    let first = true;
    const batchRows = opts.batchRows ?? IMPORT_BATCH_ROWS;
    for await (const { record, info } of parser as AsyncIterable<{
      record: string[];
      info: { lines: number; bytes: number };
    }>) {
      lastLine = info.lines;
      counters.bytes = info.bytes;
      if (first) {
        first = false;
        continue; // the header, read at upload
      }
      if (counters.rows >= IMPORT_MAX_ROWS) {
        source.destroy();
        await flush();
        throw new FileError(
          `The file has more than ${IMPORT_MAX_ROWS.toLocaleString('en-US')} rows; the first ${IMPORT_MAX_ROWS.toLocaleString('en-US')} were imported. Split the rest into another file.`,
        );
      }
      counters.rows += 1;
      const checked = checkRow(record, resolved, metrics);
      if (!checked.ok) reject(info.lines, checked.message);
      else {
        const earlier = duplicates.check(checked.metric, checked.ms, info.lines);
        if (earlier !== undefined) reject(info.lines, duplicateMessage(earlier));
        else {
          points.push({ metric: checked.metric, ts: new Date(checked.ms).toISOString(), value: checked.value });
          pointLines.push(info.lines);
        }
      }
      if (points.length >= batchRows || errors.length >= batchRows) await flush();
    }
    counters.bytes = row.sizeBytes;
    await flush();
    await tx((trx) => finish(trx, opts, row.fileName, row.sha256, { status: 'completed', counters }));
    return {
      status: 'completed',
      rows: counters.rows,
      written: counters.written,
      changed: counters.changed,
      failed: counters.failed,
    };
  } catch (error) {
    if (error instanceof FileError || error instanceof AppError) return fail(error.message);
    if (error instanceof CsvError) return fail(`The file could not be read as CSV: ${error.message.slice(0, 300)}`);
    if (opts.attempt >= opts.maxAttempts) {
      await fail(
        `The import stopped after an unexpected error (job ${opts.jobId}). Try again, or contact support with this reference.`,
      );
    }
    throw error;
  }
}

type Finish = { status: 'completed'; counters: Counters } | { status: 'failed'; error: string };

/** The end of a run: final state, the file's bytes dropped, and the run's one audit event. */
async function finish(
  trx: TenantDb,
  opts: RunImportOptions,
  fileName: string,
  sha256: string,
  end: Finish,
): Promise<void> {
  const { tenantId, importId } = opts;
  await trx
    .updateTable('imports')
    .set(
      end.status === 'completed'
        ? { status: 'completed', finishedAt: new Date(), bytesProcessed: sql`size_bytes` }
        : { status: 'failed', finishedAt: new Date(), error: end.error },
    )
    .where('tenantId', '=', tenantId)
    .where('id', '=', importId)
    .execute();
  await trx.deleteFrom('importChunks').where('tenantId', '=', tenantId).where('importId', '=', importId).execute();
  const ctx: AuditContext = {
    db: trx,
    tenant: { id: tenantId },
    actor: { type: 'system', id: null, display: 'CSV import' },
    request: { ip: null, userAgent: null, requestId: `job:${opts.jobId}` },
  };
  const c = end.status === 'completed' ? end.counters : null;
  await audit(ctx, {
    action: end.status === 'completed' ? 'import.completed' : 'import.failed',
    outcome: end.status === 'completed' ? 'success' : 'failure',
    target: { type: 'import', id: importId, display: fileName },
    after: c
      ? { source: 'csv', fileName, sha256, rows: c.rows, written: c.written, changed: c.changed, rejected: c.failed }
      : { source: 'csv', fileName, sha256, error: end.status === 'failed' ? end.error : null },
  });
}
