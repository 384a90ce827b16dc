import { addDays, daysBetween, periodStart, shiftPeriod } from '../metrics/periods.ts';

/** Date-range presets of a dashboard: trailing days or months, or the current period so far. */
import type { RangePreset } from '../shared/constants.ts';

export type { RangePreset } from '../shared/constants.ts';

export interface DateRange {
  from: string;
  to: string;
}

/**
 * A range and the one it is compared with ("previous period"). Trailing days compare with the same
 * number of days just before; trailing months and month/year to date with the same calendar span a
 * month or year earlier (same day of month, clamped); quarter to date with the same elapsed days of
 * the previous quarter. A partial period never meets a whole one.
 */
export interface ResolvedRange {
  current: DateRange;
  previous: DateRange;
}

function trailingDays(today: string, days: number): ResolvedRange {
  const from = addDays(today, -(days - 1));
  return { current: { from, to: today }, previous: { from: addDays(from, -days), to: addDays(from, -1) } };
}

/** The same day-of-month `months` months earlier, clamped to that month's end (Mar 31 -> Feb 29). */
function monthsBack(day: string, months: number): string {
  const start = shiftPeriod(periodStart(day, 'month', 1), 'month', -months);
  const end = addDays(shiftPeriod(start, 'month', 1), -1);
  const same = addDays(start, Number(day.slice(8, 10)) - 1);
  return same < end ? same : end;
}

/** The same date a year earlier (Feb 29 becomes Feb 28). */
export function sameDayYearBefore(day: string): string {
  return monthsBack(day, 12);
}

function trailingMonths(today: string, months: number): ResolvedRange {
  // Whole calendar months, the current one so far: "last 12 months" is 11 whole months and this one.
  const from = shiftPeriod(periodStart(today, 'month', 1), 'month', -(months - 1));
  return {
    current: { from, to: today },
    previous: { from: shiftPeriod(from, 'month', -months), to: monthsBack(today, months) },
  };
}

function toDate(today: string, grain: 'month' | 'quarter' | 'year'): ResolvedRange {
  if (grain === 'year') {
    return {
      current: { from: `${today.slice(0, 4)}-01-01`, to: today },
      previous: { from: `${Number(today.slice(0, 4)) - 1}-01-01`, to: monthsBack(today, 12) },
    };
  }
  const start = periodStart(today, grain, 1);
  const prevStart = shiftPeriod(start, grain, -1);
  if (grain === 'month')
    return { current: { from: start, to: today }, previous: { from: prevStart, to: monthsBack(today, 1) } };
  // Quarters differ in length: the same number of elapsed days, clamped to the quarter's end.
  const prevEnd = addDays(start, -1);
  const aligned = addDays(prevStart, daysBetween(start, today));
  return {
    current: { from: start, to: today },
    previous: { from: prevStart, to: aligned < prevEnd ? aligned : prevEnd },
  };
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
