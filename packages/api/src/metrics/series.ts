import type { TenantDb } from '@mfiq/db';
import { computable, metricValues, type Bucket, type MetricDef } from './aggregate.ts';
import {
  addDays,
  daysBetween,
  periodOf,
  periodsBetween,
  shiftPeriod,
  yearAgoStart,
  type Grain,
  type Period,
} from './periods.ts';

export interface SeriesPoint {
  start: string;
  end: string;
  value: number | null;
  /** The whole previous period. */
  previous: number | null;
  /** The same period a year earlier (see yearAgoStart). */
  yearAgo: number | null;
}

export interface Calendar {
  tenantId: string;
  weekStart: number;
}

const MAX_PERIODS = 1000;

/** A metric's series by grain over local days from..to, with both comparisons per period. */
export async function buildSeries(
  db: TenantDb,
  cal: Calendar,
  metric: MetricDef,
  grain: Grain,
  from: string,
  to: string,
): Promise<SeriesPoint[]> {
  const periods = periodsBetween(from, to, grain, cal.weekStart, MAX_PERIODS);
  const buckets: Bucket[] = [];
  for (const p of periods) {
    buckets.push({ label: `cur:${p.start}`, from: p.start, to: p.end });
    const prev = shiftPeriod(p.start, grain, -1);
    buckets.push({ label: `prev:${p.start}`, from: prev, to: addDays(p.start, -1) });
    const ya = yearAgoStart(p.start, grain);
    buckets.push({ label: `ya:${p.start}`, from: ya, to: addDays(shiftPeriod(ya, grain, 1), -1) });
  }
  const values = computable(metric, await metricValues(db, cal.tenantId, metric, buckets));
  const get = (label: string) => values.get(label) ?? null;
  return periods.map((p) => ({
    start: p.start,
    end: p.end,
    value: get(`cur:${p.start}`),
    previous: get(`prev:${p.start}`),
    yearAgo: get(`ya:${p.start}`),
  }));
}

export interface PeriodToDate {
  period: Period;
  asOf: string;
  elapsedDays: number;
  totalDays: number;
  value: number | null;
  previous: { from: string; to: string; value: number | null; change: number | null };
  yearAgo: { from: string; to: string; value: number | null; change: number | null };
}

function change(value: number | null, base: number | null): number | null {
  if (value === null || base === null || base === 0) return null;
  return (value - base) / Math.abs(base);
}

/**
 * The current period up to and including `asOf`, against the same number of days at the start of
 * the previous period and of the same period a year ago (clamped to those periods' ends), so a
 * month 10 days in compares with the first 10 days of last month, not with all of it.
 */
export async function periodToDate(
  db: TenantDb,
  cal: Calendar,
  metric: MetricDef,
  grain: Grain,
  asOf: string,
): Promise<PeriodToDate> {
  const period = periodOf(asOf, grain, cal.weekStart);
  const elapsedDays = daysBetween(period.start, asOf) + 1;
  const aligned = (start: string) => {
    const end = addDays(shiftPeriod(start, grain, 1), -1);
    const to = addDays(start, elapsedDays - 1);
    return { from: start, to: to < end ? to : end };
  };
  const prev = aligned(shiftPeriod(period.start, grain, -1));
  const ya = aligned(yearAgoStart(period.start, grain));
  const values = computable(
    metric,
    await metricValues(db, cal.tenantId, metric, [
      { label: 'cur', from: period.start, to: asOf },
      { label: 'prev', ...prev },
      { label: 'ya', ...ya },
    ]),
  );
  const value = values.get('cur') ?? null;
  const pv = values.get('prev') ?? null;
  const yv = values.get('ya') ?? null;
  return {
    period,
    asOf,
    elapsedDays,
    totalDays: daysBetween(period.start, period.end) + 1,
    value,
    previous: { ...prev, value: pv, change: change(value, pv) },
    yearAgo: { ...ya, value: yv, change: change(value, yv) },
  };
}
