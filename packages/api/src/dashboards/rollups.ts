import { sql, type TenantDb } from '@mfiq/db';
import type { Aggregation, Bucket, MetricDef } from '../metrics/aggregate.ts';
import { dayNumber } from '../metrics/periods.ts';

/**
 * Per metric, the days that have data as the database sends them: one bytea of fixed-size records,
 * each the day's offset from the span's first day (int4) and one or two values (float8, see VALUE):
 * big-endian, as int4send and float8send write them. Producing and decoding these costs about half
 * of what the same numbers cost as JSON arrays, and a dashboard of four-metric tiles is mostly this.
 */
interface Days {
  at: Int32Array;
  a: Float64Array;
  b: Float64Array | null;
}

/**
 * What each aggregation reads from a day's rollup: one column (sum, n, min, max or last_value),
 * and n as a second one for avg. "last" needs no timestamp: rollup days partition time (local days
 * of one timezone), so the latest point of a bucket is the last point of its latest day with data.
 */
const VALUE = sql`float8send(case x.agg when 'count' then r.n::float8 when 'min' then r.min when 'max' then r.max
                                        when 'last' then r.last_value else r.sum end)
                  || case x.agg when 'avg' then float8send(r.n::float8) else ''::bytea end`;

function decodeDays(buf: Buffer, two: boolean): Days {
  const stride = two ? 20 : 12;
  const count = buf.length / stride;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const days: Days = { at: new Int32Array(count), a: new Float64Array(count), b: two ? new Float64Array(count) : null };
  for (let k = 0, o = 0; k < count; k++, o += stride) {
    days.at[k] = view.getInt32(o);
    days.a[k] = view.getFloat64(o + 4);
    if (days.b) days.b[k] = view.getFloat64(o + 12);
  }
  return days;
}

function aggregate(
  aggregation: Aggregation,
  rowOf: Int32Array,
  { a, b }: Days,
  from: number,
  to: number,
): number | null {
  let found = false;
  let acc = 0;
  let n = 0;
  for (let d = from; d <= to; d++) {
    const k = rowOf[d]!;
    if (k < 0) continue;
    const v = a[k]!;
    switch (aggregation) {
      case 'sum':
      case 'count':
        acc += v;
        break;
      case 'avg':
        acc += v;
        n += b![k]!;
        break;
      case 'min':
        if (!found || v < acc) acc = v;
        break;
      case 'max':
        if (!found || v > acc) acc = v;
        break;
      case 'last':
        acc = v;
        break;
    }
    found = true;
  }
  if (!found) return null;
  return aggregation === 'avg' ? acc / n : acc;
}

/** Per metric, its value in each bucket (by the buckets' order), null where the bucket has no data. */
export type BucketValues = Map<string, (number | null)[]>;

/**
 * The same answer as aggregatePlain (every aggregation decomposes over local days), computed
 * differently for a dashboard's shape: hundreds of buckets (a year by day, its previous year,
 * totals) over a dozen metrics. One statement reads the rollup rows of the span all buckets cover
 * through the primary key, one range per metric, and sends each metric's days as one bytea of
 * binary records holding only the columns its aggregation needs (a row per day cost more to parse
 * than the whole computation; JSON arrays twice as much to produce and parse as these records);
 * buckets are then aggregated in memory in day order.
 */
export async function aggregateRollups(
  db: TenantDb,
  tenantId: string,
  metrics: MetricDef[],
  buckets: Pick<Bucket, 'from' | 'to'>[],
): Promise<BucketValues> {
  const out: BucketValues = new Map(metrics.map((m) => [m.id, buckets.map(() => null)]));
  if (!metrics.length || !buckets.length) return out;
  const from = buckets.reduce((a, b) => (b.from < a ? b.from : a), buckets[0]!.from);
  const to = buckets.reduce((a, b) => (b.to > a ? b.to : a), buckets[0]!.to);
  const origin = dayNumber(from);
  const span = dayNumber(to) - origin + 1;
  const { rows } = await sql<{ i: number; d: Buffer }>`
    select x.i::int as i, string_agg(int4send(r.day - ${from}::date) || ${VALUE}, ''::bytea) as d
      from unnest(${metrics.map((m) => m.id)}::uuid[], ${metrics.map((m) => m.aggregation)}::text[]) with ordinality as x (id, agg, i)
      join metric_daily_rollups r on r.tenant_id = ${tenantId} and r.metric_id = x.id and r.day between ${from}::date and ${to}::date
     group by x.i, x.agg`.execute(db);
  const ranges = buckets.map((b) => [dayNumber(b.from) - origin, dayNumber(b.to) - origin] as const);
  const rowOf = new Int32Array(span);
  for (const { i, d } of rows) {
    const m = metrics[i - 1]!;
    const days = decodeDays(d, m.aggregation === 'avg');
    rowOf.fill(-1);
    days.at.forEach((day, k) => (rowOf[day] = k));
    out.set(
      m.id,
      ranges.map(([f, t]) => aggregate(m.aggregation, rowOf, days, f, t)),
    );
  }
  return out;
}
