import { sql, type TenantDb } from '@mfiq/db';
import type { Aggregation, Bucket, MetricDef } from '../metrics/aggregate.ts';
import { dayNumber } from '../metrics/periods.ts';
import { cacheWork, daysKey, rollupDays, type BoundedCache, type Days, type RevisedDays } from './rollup-cache.ts';

/**
 * What each aggregation reads from a day's rollup: one column (sum, n, min, max or last_value),
 * and n as a second one for avg. "last" needs no timestamp: rollup days partition time (local days
 * of one timezone), so the latest point of a bucket is the last point of its latest day with data.
 */
const VALUE = sql`float8send(case x.agg when 'count' then r.n::float8 when 'min' then r.min when 'max' then r.max
                                        when 'last' then r.last_value else r.sum end)
                  || case x.agg when 'avg' then float8send(r.n::float8) else ''::bytea end`;

function decodeDays(buf: Buffer, two: boolean, span: number): Days {
  const stride = two ? 20 : 12;
  const count = buf.length / stride;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const days: Days = { has: new Uint8Array(span), a: new Float64Array(span), b: two ? new Float64Array(span) : null };
  for (let k = 0, o = 0; k < count; k++, o += stride) {
    const day = view.getInt32(o);
    days.has[day] = 1;
    days.a[day] = view.getFloat64(o + 4);
    if (days.b) days.b[day] = view.getFloat64(o + 12);
  }
  return days;
}

function aggregate(aggregation: Aggregation, { has, a, b }: Days, from: number, to: number): number | null {
  if (from === to) {
    // Most buckets of a dashboard are one day.
    if (!has[from]) return null;
    return aggregation === 'avg' ? a[from]! / b![from]! : a[from]!;
  }
  let found = false;
  let acc = 0;
  let n = 0;
  for (let d = from; d <= to; d++) {
    if (!has[d]) continue;
    const v = a[d]!;
    switch (aggregation) {
      case 'sum':
      case 'count':
        acc += v;
        break;
      case 'avg':
        acc += v;
        n += b![d]!;
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

/** Per metric: its days over the span, and its data revision (null: it has none yet). */
export interface RollupRead {
  from: string;
  to: string;
  days: Map<string, { revision: string | null; days: Days }>;
}

/**
 * Each metric's days between two dates from the daily rollups, in one statement: it reads the rollup
 * rows of the span through the primary key, one range per metric, and sends each metric's days as
 * one bytea of binary records holding only the columns its aggregation needs (a row per day cost
 * more to parse than the whole computation; JSON arrays twice as much to produce and parse as
 * these records). The same statement answers each metric's data revision, and sends its days only
 * when they are not already in this process's cache at that revision (rollup-cache.ts): a
 * dashboard loaded again reads no rollup rows of a metric nobody wrote to since.
 */
export async function readRollupDays(
  db: TenantDb,
  tenantId: string,
  metrics: MetricDef[],
  from: string,
  to: string,
  cache: BoundedCache<RevisedDays> = rollupDays,
): Promise<RollupRead> {
  const out: RollupRead = { from, to, days: new Map() };
  if (!metrics.length) return out;
  const span = dayNumber(to) - dayNumber(from) + 1;
  const keys = metrics.map((m) => daysKey(tenantId, m.id, m.aggregation, from, to));
  // Taken before the statement: what the database is told it need not send is what is used.
  const known = keys.map((k) => cache.get(k));
  const { rows } = await sql<{ i: number; revision: string | null; d: Buffer | null }>`
    select x.i::int as i, v.revision,
           case when v.revision is null or v.revision is distinct from x.known then (
             select string_agg(int4send(r.day - ${from}::date) || ${VALUE}, ''::bytea)
               from metric_daily_rollups r
              where r.tenant_id = ${tenantId} and r.metric_id = x.id and r.day between ${from}::date and ${to}::date)
           end as d
      from unnest(${metrics.map((m) => m.id)}::uuid[], ${metrics.map((m) => m.aggregation)}::text[],
                  ${known.map((k) => k?.revision ?? null)}::uuid[]) with ordinality as x (id, agg, known, i)
      left join metric_data_revisions v on v.tenant_id = ${tenantId} and v.metric_id = x.id`.execute(db);
  for (const { i, revision, d } of rows) {
    const m = metrics[i - 1]!;
    const hit = known[i - 1];
    if (d === null && revision !== null && hit?.revision === revision) {
      out.days.set(m.id, hit);
      cacheWork.daysHits += 1;
      continue;
    }
    // Read again (or no rollup in the span: no bytes).
    cacheWork.daysReads += 1;
    const days = decodeDays(d ?? Buffer.alloc(0), m.aggregation === 'avg', span);
    if (revision !== null) cache.set(keys[i - 1]!, { revision, days });
    out.days.set(m.id, { revision, days });
  }
  return out;
}

/** The span a set of buckets covers. */
export function spanOf(buckets: Pick<Bucket, 'from' | 'to'>[]): { from: string; to: string } {
  const from = buckets.reduce((a, b) => (b.from < a ? b.from : a), buckets[0]!.from);
  const to = buckets.reduce((a, b) => (b.to > a ? b.to : a), buckets[0]!.to);
  return { from, to };
}

/**
 * The same answer as aggregatePlain (every aggregation decomposes over local days), computed
 * differently for a dashboard's shape: hundreds of buckets (a year by day, its previous year,
 * totals) over a dozen metrics, aggregated in memory in day order from the days read.
 */
export function bucketValues(
  read: RollupRead,
  metrics: MetricDef[],
  buckets: Pick<Bucket, 'from' | 'to'>[],
): BucketValues {
  const out: BucketValues = new Map();
  const origin = dayNumber(read.from);
  const ranges = buckets.map((b) => [dayNumber(b.from) - origin, dayNumber(b.to) - origin] as const);
  for (const m of metrics) {
    const days = read.days.get(m.id)?.days;
    const values = new Array<number | null>(ranges.length);
    for (let k = 0; k < ranges.length; k++)
      values[k] = days ? aggregate(m.aggregation, days, ranges[k]![0], ranges[k]![1]) : null;
    out.set(m.id, values);
  }
  return out;
}
