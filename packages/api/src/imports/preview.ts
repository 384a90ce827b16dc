import { Readable } from 'node:stream';
import type { TenantDb } from '@mfiq/db';
import { csvStream, lineOf, type Delimiter } from './csv.ts';
import { PREVIEW_ROWS } from './limits.ts';
import type { MetricInfo, ResolvedMapping } from './mapping.ts';
import { checkRow, DuplicateTracker, duplicateMessage } from './rows.ts';

export interface PreviewRow {
  line: number;
  cells: string[];
  metric: string | null;
  ts: Date | null;
  value: number | null;
  error: string | null;
}

async function* chunks(db: TenantDb, tenantId: string, importId: string): AsyncGenerator<Buffer> {
  for (let seq = 0; ; seq += 1) {
    const row = await db
      .selectFrom('importChunks')
      .select('data')
      .where('tenantId', '=', tenantId)
      .where('importId', '=', importId)
      .where('seq', '=', seq)
      .executeTakeFirst();
    if (!row) return;
    yield row.data;
  }
}

/** The first rows of the stored file with the mapping applied, exactly as the import will judge them. */
export async function previewRows(
  db: TenantDb,
  tenantId: string,
  imp: { id: string; delimiter: string },
  mapping: ResolvedMapping,
  metrics: Map<string, MetricInfo>,
): Promise<PreviewRow[]> {
  const out: PreviewRow[] = [];
  const duplicates = new DuplicateTracker();
  const parser = csvStream(imp.delimiter as Delimiter, (error) => {
    out.push({
      line: lineOf(error) ?? 0,
      cells: [],
      metric: null,
      ts: null,
      value: null,
      error: `Malformed CSV row: ${error.message.slice(0, 200)}`,
    });
  });
  const source = Readable.from(chunks(db, tenantId, imp.id));
  source.pipe(parser);
  let first = true;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (first) {
        first = false;
        continue;
      }
      const checked = checkRow(record, mapping, metrics);
      const row: PreviewRow = {
        line: info.lines,
        cells: record.slice(0, 50).map((c) => c.slice(0, 200)),
        metric: null,
        ts: null,
        value: null,
        error: null,
      };
      if (!checked.ok) row.error = checked.message;
      else {
        const earlier = duplicates.check(checked.metric, checked.ms, info.lines);
        if (earlier !== undefined) row.error = duplicateMessage(earlier);
        Object.assign(row, { metric: checked.metric, ts: new Date(checked.ms), value: checked.value });
      }
      out.push(row);
      if (out.length >= PREVIEW_ROWS) break;
    }
  } finally {
    // Stop reading chunks once the preview has its rows (the generator must not outlive the transaction).
    source.unpipe(parser);
    source.destroy();
    parser.destroy();
  }
  return out.slice(0, PREVIEW_ROWS);
}
