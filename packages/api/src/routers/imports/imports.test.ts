import { Readable } from 'node:stream';
import { TRPCError } from '@trpc/server';
import { sql } from '@mfiq/db';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runImport } from '../../imports/run.ts';
import { createHarness, snapshot, type Harness } from '../../testing/harness.ts';

/**
 * CSV imports end to end below the web page: upload through the procedure (as the web's upload
 * route calls it), map, preview, queue, then the worker's run as the worker role.
 */
let tdb: TestDatabase;
let h: Harness;
let owner: Awaited<ReturnType<Harness['signUp']>>;
let tenantId: string;
beforeAll(async () => {
  tdb = await createTestDatabase();
  h = createHarness(tdb, { importMaxBytes: 64 * 1024 });
  owner = await h.signUp('importer');
  const api = await h.as(owner.cookie);
  await api.metrics.create({ slug: owner.slug, key: 'revenue', name: 'Revenue' });
  await api.metrics.create({ slug: owner.slug, key: 'signups', name: 'Signups' });
  await api.metrics.create({ slug: owner.slug, key: 'old', name: 'Old' });
  await api.metrics.setArchived({ slug: owner.slug, key: 'old', archived: true });
  await api.metrics.create({ slug: owner.slug, key: 'ratio', name: 'Ratio', formula: 'revenue / signups' });
  await api.org.update({ slug: owner.slug, name: 'Importer', timezone: 'Europe/Berlin', weekStart: 1 });
  tenantId = (
    await tdb.owner
      .selectFrom('organizations')
      .select('tenantId')
      .where('slug', '=', owner.slug)
      .executeTakeFirstOrThrow()
  ).tenantId;
});
afterAll(() => tdb.drop());

const api = () => h.as(owner.cookie);
const bytes = (text: string, pieces = 3) => {
  const buf = Buffer.from(text);
  const step = Math.ceil(buf.length / pieces) || 1;
  return Readable.from(
    Array.from({ length: Math.ceil(buf.length / step) }, (_, i) => buf.subarray(i * step, (i + 1) * step)),
  );
};
async function upload(text: string, fileName = 'points.csv') {
  return (await api()).imports.upload({ slug: owner.slug, fileName, file: bytes(text) });
}
const basic = { metricColumn: 'metric', timestampColumn: 'ts', timestampFormat: 'iso' as const, valueColumn: 'value' };
let jobs = 0;
async function runQueued(id: string) {
  jobs += 1;
  return runImport({ db: tdb.worker, tenantId, importId: id, jobId: String(jobs), attempt: 1, maxAttempts: 3 });
}
async function errorsOf(id: string) {
  return (await (await api()).imports.errors({ slug: owner.slug, id })).rows;
}
const codeOf = (e: unknown) => (e instanceof TRPCError ? e.code : String(e));

async function tableDump(): Promise<Record<string, unknown[]>> {
  // As the superuser: the raw rows, outside any tenant context.
  const points =
    await sql`select metric_id, ts, value, updated_at from data_points where tenant_id = ${tenantId} order by 1, 2`.execute(
      tdb.admin,
    );
  const rollups =
    await sql`select * from metric_daily_rollups where tenant_id = ${tenantId} order by metric_id, day`.execute(
      tdb.admin,
    );
  return { points: points.rows, rollups: rollups.rows };
}

describe('upload', () => {
  it('stores the file, reads its header and delimiter, and answers with the import', async () => {
    const { id, alreadyImported } = await upload(
      'metric;ts;value\nrevenue;2024-01-01T00:00:00Z;5\n',
      '../../etc/x.csv',
    );
    expect(alreadyImported).toBe(false);
    const imp = await (await api()).imports.get({ slug: owner.slug, id });
    expect(imp).toMatchObject({
      fileName: 'x.csv',
      header: ['metric', 'ts', 'value'],
      delimiter: ';',
      status: 'uploaded',
      sizeBytes: 47,
    });
    expect(imp.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('over the size limit, empty, binary or with a bad header: a 4xx with a clear message and nothing kept', async () => {
    const before = await snapshot(tdb);
    const cases: [string, string, RegExp][] = [
      [
        'metric,ts,value\n' + 'revenue,2024-01-01T00:00:00Z,1\n'.repeat(3000),
        'PAYLOAD_TOO_LARGE',
        /larger than the 0\.1 MB upload limit/,
      ],
      ['', 'BAD_REQUEST', /file is empty/],
      ['metric,ts\0,value\n', 'BAD_REQUEST', /not a CSV text file/],
      ['metric,metric,value\n', 'BAD_REQUEST', /"metric" appears twice/],
      ['metric,,value\n', 'BAD_REQUEST', /Column 2 has no name/],
      ['justonecolumn\n1\n', 'BAD_REQUEST', /at least two columns/],
    ];
    for (const [text, code, message] of cases) {
      const err = await upload(text).then(
        () => null,
        (e: unknown) => e,
      );
      expect(codeOf(err), text.slice(0, 30)).toBe(code);
      expect((err as Error).message).toMatch(message);
    }
    expect(await snapshot(tdb)).toEqual(before);
  });
});

describe('mapping', () => {
  it('unknown columns, missing roles, unusable metrics and local formats without a timezone are 400s per field', async () => {
    const { id } = await upload('metric,ts,value\nrevenue,2024-01-01T00:00:00Z,1\n');
    const caller = await api();
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ ...basic, valueColumn: 'amount' }, 'valueColumn', /no column "amount" \(its columns: metric, ts, value\)/],
      [{ ...basic, valueColumn: undefined }, 'valueColumn', /Choose the column that holds the values/],
      [{ ...basic, metricColumn: undefined }, 'metricColumn', /metric keys, or one metric for the whole file/],
      [{ ...basic, timestampColumn: '' }, 'timestampColumn', /holds the timestamps/],
      [{ ...basic, metricColumn: 'metric', metricKey: 'revenue' }, 'metricKey', /not both/],
      [{ ...basic, metricColumn: undefined, metricKey: 'ghost' }, 'metricKey', /Unknown metric key "ghost"/],
      [{ ...basic, metricColumn: undefined, metricKey: 'ratio' }, 'metricKey', /formula metric/],
      [{ ...basic, metricColumn: undefined, metricKey: 'old' }, 'metricKey', /archived/],
      [{ ...basic, timestampFormat: 'dmy' }, 'timezone', /choose the timezone/],
      [{ ...basic, valueColumn: 'ts' }, 'valueColumn', /only one role/],
    ];
    const before = await snapshot(tdb);
    for (const [mapping, field, message] of cases) {
      for (const call of [
        () => caller.imports.preview({ slug: owner.slug, id, mapping: mapping as never }),
        () => caller.imports.start({ slug: owner.slug, id, mapping: mapping as never }),
      ]) {
        const err = await call().then(
          () => null,
          (e: unknown) => e,
        );
        expect(codeOf(err), JSON.stringify(mapping)).toBe('BAD_REQUEST');
        expect((err as { fieldErrors?: Record<string, string[]> }).fieldErrors?.[field]?.join(' ')).toMatch(message);
      }
    }
    expect(await snapshot(tdb)).toEqual(before);
  });
});

const BAD_FILE = [
  'metric,ts,value', //                                  line 1
  'revenue,2024-03-01T00:00:00Z,100', //                 2 ok
  'revenue,2024-03-02T00:00:00Z,abc', //                 3 not a number
  'revenue,2024-03-03T00:00:00Z,NaN', //                 4
  'revenue,2024-03-04T00:00:00Z,Infinity', //            5
  'revenue,2024-03-05T00:00:00Z,1e400', //               6 beyond double
  'revenue,2024-03-06T00:00:00Z,2e15', //                7 beyond the stored range
  'revenue,2024-02-30T00:00:00Z,1', //                   8 not a real date
  'revenue,2150-01-01T00:00:00Z,1', //                   9 out of range
  'revenue,2024-03-07T10:00:00,1', //                    10 no timezone
  'ghost,2024-03-01T00:00:00Z,1', //                     11 unknown metric
  'revenue,2024-03-01T01:00:00+01:00,7', //              12 same instant as line 2
  'signups,2024-03-01T00:00:00Z,3', //                   13 ok
  'signups,yesterday,3', //                              14 bad timestamp
  'ratio,2024-03-01T00:00:00Z,1', //                     15 formula
  'old,2024-03-01T00:00:00Z,1', //                       16 archived
  'signups,2024-03-02T00:00:00Z', //                     17 short row
  '"signups,2024-03-03T00:00:00Z,4', //                  18+ unclosed quote swallows the rest
].join('\n');

describe('preview', () => {
  it('applies the mapping to the first rows and shows each row problem', async () => {
    const { id } = await upload(
      'metric,ts,value\nrevenue,2024-03-01T00:00:00Z,100\nrevenue,2024-03-02,1\nghost,2024-03-01T00:00:00Z,1\nrevenue,2024-03-01T00:00:00Z,2\n',
    );
    const { rows } = await (await api()).imports.preview({ slug: owner.slug, id, mapping: basic });
    expect(rows.map((r) => [r.line, r.metric, r.ts?.toISOString() ?? null, r.value, r.error])).toEqual([
      [2, 'revenue', '2024-03-01T00:00:00.000Z', 100, null],
      [3, null, null, null, expect.stringMatching(/no timezone offset/)],
      [4, null, null, null, 'Unknown metric key "ghost"'],
      [
        5,
        'revenue',
        '2024-03-01T00:00:00.000Z',
        2,
        expect.stringMatching(/Duplicate: the same metric and timestamp as line 2/),
      ],
    ]);
    const zoned = await (
      await api()
    ).imports.preview({ slug: owner.slug, id, mapping: { ...basic, timezone: 'Europe/Berlin' } });
    expect(zoned.rows[1]).toMatchObject({ ts: new Date('2024-03-01T23:00:00Z'), error: null });
  });
});

describe('the import run', () => {
  it('writes the good rows, reports every bad row by line number, and keeps the rollups current (partial success)', async () => {
    const { id } = await upload(BAD_FILE);
    await (await api()).imports.start({ slug: owner.slug, id, mapping: basic });
    const outcome = await runQueued(id);
    expect(outcome).toMatchObject({ status: 'completed', written: 2, changed: 2 });
    const byLine = Object.fromEntries((await errorsOf(id)).map((e) => [e.line, e.message]));
    expect(byLine).toMatchObject({
      3: 'Value "abc" is not a number (use a dot for decimals, no thousands separators)',
      4: 'Value is NaN: a finite number is required',
      5: 'Value is infinite: a finite number is required',
      6: 'Value 1e400 is beyond the range of a double-precision number',
      7: 'Value 2e15 is outside the allowed range -1e15 to 1e15',
      8: 'Not a real date and time: "2024-02-30T00:00:00Z"',
      9: 'Timestamp is out of range: it must be from 1900-01-01 to before 2100-01-01',
      10: expect.stringMatching(/^Timestamp "2024-03-07T10:00:00" has no timezone offset/),
      11: 'Unknown metric key "ghost"',
      12: 'Duplicate: the same metric and timestamp as line 2 (the first one is imported)',
      14: expect.stringMatching(/"yesterday" is not ISO 8601/),
      15: '"ratio" is a formula metric: it is computed, not imported',
      16: '"old" is archived: restore it to import data',
      17: 'Row has 2 columns, the header has 3',
      18: expect.stringMatching(/^Malformed CSV row: .*[Qq]uote/),
    });
    const imp = await (await api()).imports.get({ slug: owner.slug, id });
    expect(imp).toMatchObject({
      status: 'completed',
      rowsWritten: 2,
      pointsChanged: 2,
      rowsFailed: 15,
      rowsProcessed: 17,
      bytesProcessed: imp.sizeBytes,
    });
    const dump = await tableDump();
    expect(dump.points!.map((p) => (p as { value: number }).value).sort()).toEqual([100, 3]);
    // Berlin days: 2024-03-01T00:00Z is 01:00 local on March 1.
    expect(dump.rollups).toHaveLength(2);
    // The file's bytes are gone once it has run; the errors and counts stay.
    expect(await tdb.admin.selectFrom('importChunks').select('seq').where('importId', '=', id).execute()).toEqual([]);
    const audit = await tdb.admin
      .selectFrom('auditOutbox')
      .select(['action', 'after', 'actorType'])
      .where('targetId', '=', id)
      .orderBy('occurredAt')
      .execute();
    expect(audit.map((a) => a.action)).toEqual(['import.uploaded', 'import.queued', 'import.completed']);
    expect(audit[2]!.after).toMatchObject({ source: 'csv', rows: 17, written: 2, changed: 2, rejected: 15 });
  });

  it('re-importing the same file changes nothing and says it was already imported', async () => {
    const text = [
      'metric,ts,value',
      ...Array.from(
        { length: 500 },
        (_, i) => `signups,${new Date(Date.UTC(2023, 0, 1) + i * 3_600_000).toISOString()},${i % 17}`,
      ),
      'signups,bad,1',
    ].join('\n');
    const first = await upload(text);
    expect(first.alreadyImported).toBe(false);
    await (await api()).imports.start({ slug: owner.slug, id: first.id, mapping: basic });
    expect(await runQueued(first.id)).toMatchObject({ status: 'completed', written: 500, changed: 500, failed: 1 });
    const before = await tableDump();

    const second = await upload(text, 'again.csv');
    expect(second.alreadyImported).toBe(true);
    const info = await (await api()).imports.get({ slug: owner.slug, id: second.id });
    expect(info.sameFile).toEqual([expect.objectContaining({ id: first.id, rowsWritten: 500 })]);
    await (await api()).imports.start({ slug: owner.slug, id: second.id, mapping: basic });
    expect(await runQueued(second.id)).toMatchObject({ status: 'completed', written: 500, changed: 0, failed: 1 });
    // Identical to the row, including updated_at: no point was rewritten and no rollup recomputed.
    expect(await tableDump()).toEqual(before);
    expect(await errorsOf(second.id)).toEqual([{ line: 502, message: expect.stringMatching(/"bad" is not ISO 8601/) }]);
  });

  it('batches do not change the outcome, and a duplicate in a later batch still points at its first line', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => `${i + 1}/01/2022,${i}`);
    rows.push('05/01/2022,99');
    const { id } = await upload(['day,value', ...rows].join('\n'));
    await (
      await api()
    ).imports.start({
      slug: owner.slug,
      id,
      mapping: {
        metricKey: 'revenue',
        timestampColumn: 'day',
        timestampFormat: 'dmy',
        timezone: 'America/New_York',
        valueColumn: 'value',
      },
    });
    const outcome = await runImport({
      db: tdb.worker,
      tenantId,
      importId: id,
      jobId: 'b',
      attempt: 1,
      maxAttempts: 1,
      batchRows: 7,
    });
    expect(outcome).toMatchObject({ status: 'completed', rows: 31, written: 30, failed: 1 });
    expect(await errorsOf(id)).toEqual([
      { line: 32, message: 'Duplicate: the same metric and timestamp as line 6 (the first one is imported)' },
    ]);
    const jan1 = await tdb.admin
      .selectFrom('dataPoints')
      .select('value')
      .where('tenantId', '=', tenantId)
      .where('ts', '=', new Date('2022-01-01T05:00:00Z'))
      .executeTakeFirstOrThrow();
    expect(jan1.value).toBe(0);
  });

  it('a started import cannot be started or previewed again, and another organization cannot see it', async () => {
    const { id } = await upload('metric,ts,value\nrevenue,2024-05-01T00:00:00Z,1\n');
    const caller = await api();
    await caller.imports.start({ slug: owner.slug, id, mapping: basic });
    expect(codeOf(await caller.imports.start({ slug: owner.slug, id, mapping: basic }).catch((e: unknown) => e))).toBe(
      'CONFLICT',
    );
    expect(
      codeOf(await caller.imports.preview({ slug: owner.slug, id, mapping: basic }).catch((e: unknown) => e)),
    ).toBe('CONFLICT');
    const { rows: jobs } = await sql<{
      key: string;
      task: string;
      queue: string;
    }>`select key, task_identifier as task, queue_name as queue from graphile_worker.jobs`.execute(tdb.admin);
    expect(jobs).toContainEqual({ key: `csv_import:${id}`, task: 'csv_import', queue: `imports:${tenantId}` });
    const outsider = await h.signUp('outsider');
    const other = await h.as(outsider.cookie);
    for (const call of [
      () => other.imports.get({ slug: outsider.slug, id }),
      () => other.imports.errors({ slug: outsider.slug, id }),
      () => other.imports.start({ slug: outsider.slug, id, mapping: basic }),
    ]) {
      expect(codeOf(await call().catch((e: unknown) => e))).toBe('NOT_FOUND');
    }
  });
});
