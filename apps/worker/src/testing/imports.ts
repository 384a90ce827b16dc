import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { withTenant, type Database, type Json, withNewTenant } from '@mfiq/db';
import { readHeader, storeUpload } from '@mfiq/api/imports';

export const GENERATED_METRICS = Array.from({ length: 10 }, (_, i) => `metric_${i}`);

/**
 * Writes a CSV of `rows` points: 10 metrics, hourly timestamps, values with decimals. Every row is
 * valid; `badEvery` makes each n-th row's value unparseable instead.
 */
export async function generateCsv(file: string, rows: number, opts: { badEvery?: number } = {}): Promise<number> {
  const out = createWriteStream(file);
  const start = Date.UTC(2015, 0, 1);
  let bytes = 0;
  let buf = 'metric,ts,value\n';
  for (let i = 0; i < rows; i++) {
    const metric = GENERATED_METRICS[i % 10];
    const ts = new Date(start + Math.floor(i / 10) * 3_600_000).toISOString();
    const value = opts.badEvery && (i + 1) % opts.badEvery === 0 ? 'n/a' : ((i * 7919) % 100_000) / 100;
    buf += `${metric},${ts},${value}\n`;
    if (buf.length > 1 << 16) {
      bytes += buf.length;
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  bytes += buf.length;
  out.end(buf);
  await once(out, 'finish');
  return bytes;
}

/** An organization with the generated metrics, as fixtures through the owner role. */
export async function createImportTenant(owner: Database): Promise<string> {
  const tenantId = randomUUID();
  await withNewTenant(owner, { tenantId }, async (trx) => {
    await trx
      .insertInto('organizations')
      .values({ tenantId, slug: `imp-${tenantId.slice(0, 8)}`, name: 'Import org' })
      .execute();
    await trx
      .insertInto('metrics')
      .values(GENERATED_METRICS.map((key) => ({ tenantId, key, name: key })))
      .execute();
  });
  return tenantId;
}

/**
 * Stores a file as the upload procedure does (streamed into chunks by the web's role, under RLS)
 * and marks it queued with the generated file's mapping (or leaves it uploaded, never started).
 * Returns the import id.
 */
export async function stageImport(
  app: Database,
  tenantId: string,
  file: string,
  opts: { started?: boolean } = {},
): Promise<string> {
  const started = opts.started ?? true;
  return withTenant(app, { tenantId }, async (trx) => {
    let parsed: ReturnType<typeof readHeader> | undefined;
    const stored = await storeUpload(trx, tenantId, createReadStream(file, { highWaterMark: 1 << 20 }), {
      maxBytes: 200 * 1024 * 1024,
      checkHead: (head) => (parsed = readHeader(head)),
    });
    await trx
      .insertInto('imports')
      .values({
        tenantId,
        id: stored.id,
        fileName: 'generated.csv',
        sizeBytes: stored.size,
        sha256: stored.sha256,
        header: parsed!.header,
        delimiter: parsed!.delimiter,
        status: started ? 'queued' : 'uploaded',
        mapping: started
          ? ({
              metricColumn: 'metric',
              timestampColumn: 'ts',
              timestampFormat: 'iso',
              valueColumn: 'value',
            } as unknown as Json)
          : null,
      })
      .execute();
    return stored.id;
  });
}
