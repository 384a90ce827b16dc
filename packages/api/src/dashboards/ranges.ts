import { addDays, daysBetween, periodStart, shiftPeriod, type Grain } from '../metrics/periods.ts';

/** Date-range presets of a dashboard: trailing days or months, or the current period so far. */
export const RANGES = ['7d', '30d', '90d', '6m', '12m', 'mtd', 'qtd', 'ytd'] as const;
export type RangePreset = (typeof RANGES)[number];

export const RANGE_LABELS: Record<RangePreset, string> = {
  '7d': 'Last 7 days',
  '30d': 'Last 30 days',
  '90d': 'Last 90 days',
  '6m': 'Last 6 months',
  '12m': 'Last 12 months',
  mtd: 'Month to date',
  qtd: 'Quarter to date',
  ytd: 'Year to date',
};

export interface DateRange {
  from: string;
  to: string;
}

/**
 * A range and the one it is compared with ("previous period"). Trailing ranges compare with the
 * same length just before; month/quarter/year to date compare with the same elapsed days of the
 * previous month/quarter/year (clamped to its end), so a partial period never meets a whole one.
 */
export interface ResolvedRange {
  current: DateRange;
  previous: DateRange;
}

function trailingDays(today: string, days: number): ResolvedRange {
  const from = addDays(today, -(days - 1));
  return { current: { from, to: today }, previous: { from: addDays(from, -days), to: addDays(from, -1) } };
}

function trailingMonths(today: string, months: number): ResolvedRange {
  // Whole calendar months, the current one so far: "last 12 months" is 11 whole months and this one.
  const from = shiftPeriod(periodStart(today, 'month', 1), 'month', -(months - 1));
  const prevFrom = shiftPeriod(from, 'month', -months);
  const prevTo = addDays(prevFrom, daysBetween(from, today));
  return { current: { from, to: today }, previous: { from: prevFrom, to: prevTo < from ? prevTo : addDays(from, -1) } };
}

function toDate(today: string, grain: 'month' | 'quarter' | 'year'): ResolvedRange {
  const start = grain === 'year' ? `${today.slice(0, 4)}-01-01` : periodStart(today, grain, 1);
  const prevStart = grain === 'year' ? `${Number(today.slice(0, 4)) - 1}-01-01` : shiftPeriod(start, grain, -1);
  const prevEnd = addDays(start, -1);
  const aligned = addDays(prevStart, daysBetween(start, today));
  return { current: { from: start, to: today }, previous: { from: prevStart, to: aligned < prevEnd ? aligned : prevEnd } };
}

export function resolveRange(preset: RangePreset, today: string): ResolvedRange {
  switch (preset) {
    case '7d':
      return trailingDays(today, 7);
    case '30d':
      return trailingDays(today, 30);
    case '90d':
      return trailingDays(today, 90);
    case '6m':
      return trailingMonths(today, 6);
    case '12m':
      return trailingMonths(today, 12);
    case 'mtd':
      return toDate(today, 'month');
    case 'qtd':
      return toDate(today, 'quarter');
    case 'ytd':
      return toDate(today, 'year');
  }
}

/** A custom range compares with the same number of days just before it. */
export function customRange(from: string, to: string): ResolvedRange {
  const days = daysBetween(from, to) + 1;
  return { current: { from, to }, previous: { from: addDays(from, -days), to: addDays(from, -1) } };
}

/** A sensible grain for a range, used when a dashboard's grain would give too many or too few points. */
export function grainFits(range: DateRange, grain: Grain): boolean {
  const days = daysBetween(range.from, range.to) + 1;
  const per = { day: 1, week: 7, month: 30, quarter: 91 }[grain];
  return days / per <= 400;
}
