import { sql, type TenantDb } from '@mfiq/db';
import type { Aggregation, Bucket, MetricDef, Values } from '../metrics/aggregate.ts';

interface Row {
  metricId: string;
  day: string;
  n: number;
  sum: number;
  min: number;
  max: number;
  lastTs: Date;
  lastValue: number;
}

function pick(aggregation: Aggregation, a: { n: number; sum: number; min: number; max: number; last: number }): number {
  switch (aggregation) {
    case 'sum':
      return a.sum;
    case 'count':
      return a.n;
    case 'avg':
      return a.sum / a.n;
    case 'min':
      return a.min;
    case 'max':
      return a.max;
    case 'last':
      return a.last;
  }
}

/**
 * The same answer as aggregatePlain (every aggregation decomposes over local days), computed
 * differently for a dashboard's shape: hundreds of buckets (a year by day, its previous year,
 * totals) over a dozen metrics. Joining each bucket to the rollups costs an index probe per bucket
 * and metric; here one range read per metric fetches the rollup rows of the span all buckets cover
 * (at most a few thousand rows), and buckets are summed in memory. Buckets with no data are absent.
 */
export async function aggregateRollups(db: TenantDb, tenantId: string, metrics: MetricDef[], buckets: Bucket[]): Promise<Map<string, Values>> {
  const out = new Map<string, Values>(metrics.map((m) => [m.id, new Map()]));
  if (!metrics.length || !buckets.length) return out;
  const from = buckets.reduce((a, b) => (b.from < a ? b.from : a), buckets[0]!.from);
  const to = buckets.reduce((a, b) => (b.to > a ? b.to : a), buckets[0]!.to);
  const { rows } = await sql<Row>`
    select metric_id, day::text as day, n::float8 as n, sum, min, max, last_ts, last_value
      from metric_daily_rollups
     where tenant_id = ${tenantId} and metric_id = any(${metrics.map((m) => m.id)}::uuid[]) and day between ${from}::date and ${to}::date
     order by metric_id, day`.execute(db);
  const byMetric = new Map<string, Row[]>();
  for (const r of rows) {
    let list = byMetric.get(r.metricId);
    if (!list) byMetric.set(r.metricId, (list = []));
    list.push(r);
  }
  // First index whose day is >= d (rows are sorted by day).
  const lowerBound = (list: Row[], d: string) => {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]!.day < d) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  for (const m of metrics) {
    const list = byMetric.get(m.id) ?? [];
    const values = out.get(m.id)!;
    for (const b of buckets) {
      let n = 0;
      let sum = 0;
      let min = Infinity;
      let max = -Infinity;
      let lastTs = -Infinity;
      let last = 0;
      for (let i = lowerBound(list, b.from); i < list.length && list[i]!.day <= b.to; i++) {
        const r = list[i]!;
        n += r.n;
        sum += r.sum;
        if (r.min < min) min = r.min;
        if (r.max > max) max = r.max;
        const ts = r.lastTs.getTime();
        if (ts > lastTs) {
          lastTs = ts;
          last = r.lastValue;
        }
      }
      if (n > 0) values.set(b.label, pick(m.aggregation, { n, sum, min, max, last }));
    }
  }
  return out;
}
