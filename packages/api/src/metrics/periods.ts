/**
 * Calendar periods over local dates ('YYYY-MM-DD' in the organization's timezone). Dates are
 * handled as UTC midnights internally, so no host timezone or DST can shift a day.
 */
import type { Grain } from '../shared/constants.ts';

export { GRAINS, type Grain } from '../shared/constants.ts';

export interface Period {
  /** First local day of the period. */
  start: string;
  /** Last local day of the period (inclusive). */
  end: string;
}

// Local dates are converted to and from day numbers (days since 1970-01-01, proleptic
// Gregorian) by integer arithmetic (H. Hinnant's civil calendar algorithms), not through Date:
// a dashboard computes thousands of periods per request and Date parsing and formatting dominated.

/** Days since 1970-01-01 of a local date 'YYYY-MM-DD'. */
export function dayNumber(day: string): number {
  const y0 = Number(day.slice(0, 4));
  const m = Number(day.slice(5, 7));
  const d = Number(day.slice(8, 10));
  const y = m <= 2 ? y0 - 1 : y0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  return era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
}

/** The local date 'YYYY-MM-DD' of a day number (the inverse of dayNumber). */
export function dayString(n: number): string {
  const z = n + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${String(y).padStart(4, '0')}-${m < 10 ? '0' : ''}${m}-${d < 10 ? '0' : ''}${d}`;
}

/** Day of the week of a day number, 0 = Sunday (1970-01-01 was a Thursday). */
const weekday = (n: number) => (((n + 4) % 7) + 7) % 7;

export function addDays(day: string, n: number): string {
  return dayString(dayNumber(day) + n);
}

export function daysBetween(from: string, to: string): number {
  return dayNumber(to) - dayNumber(from);
}

/** The first day of the month `n` months after the month of `day`. */
function addMonths(day: string, n: number): string {
  const months = Number(day.slice(0, 4)) * 12 + Number(day.slice(5, 7)) - 1 + n;
  const y = Math.floor(months / 12);
  const m = months - y * 12 + 1;
  return `${String(y).padStart(4, '0')}-${m < 10 ? '0' : ''}${m}-01`;
}

/** The first day of the period of `grain` that contains `day`; weeks start on `weekStart` (0 = Sunday). */
export function periodStart(day: string, grain: Grain, weekStart: number): string {
  switch (grain) {
    case 'day':
      return day;
    case 'week': {
      const n = dayNumber(day);
      return dayString(n - ((weekday(n) - weekStart + 7) % 7));
    }
    case 'month':
      return addMonths(day, 0);
    case 'quarter':
      return addMonths(day, -((Number(day.slice(5, 7)) - 1) % 3));
  }
}

/** The start of the period `n` periods after the one starting at `start`. */
export function shiftPeriod(start: string, grain: Grain, n: number): string {
  switch (grain) {
    case 'day':
      return addDays(start, n);
    case 'week':
      return addDays(start, 7 * n);
    case 'month':
      return addMonths(start, n);
    case 'quarter':
      return addMonths(start, 3 * n);
  }
}

export function periodOf(day: string, grain: Grain, weekStart: number): Period {
  const start = periodStart(day, grain, weekStart);
  return { start, end: addDays(shiftPeriod(start, grain, 1), -1) };
}

/**
 * The same period a year earlier. Days and weeks go back 364 days (52 weeks), so a Monday compares
 * with a Monday and a week with a whole week; months and quarters go back 12 months.
 */
export function yearAgoStart(start: string, grain: Grain): string {
  return grain === 'day' || grain === 'week' ? addDays(start, -364) : addMonths(start, -12);
}

/** Which period of `grain` a day falls in, as a number that grows by one from each period to the next. */
function periodIndex(day: string, grain: Grain, weekStart: number): number {
  switch (grain) {
    case 'day':
      return dayNumber(day);
    case 'week':
      // Day number 0 (1970-01-01) was a Thursday: count weeks from a day that starts one.
      return Math.floor((dayNumber(day) - ((((weekStart - 4) % 7) + 7) % 7)) / 7);
    case 'month':
      return Number(day.slice(0, 4)) * 12 + Number(day.slice(5, 7)) - 1;
    case 'quarter':
      return Math.floor((Number(day.slice(0, 4)) * 12 + Number(day.slice(5, 7)) - 1) / 3);
  }
}

/** periodsBetween(from, to, grain, weekStart).length, without building them. */
export function periodCount(from: string, to: string, grain: Grain, weekStart: number): number {
  return Math.max(0, periodIndex(to, grain, weekStart) - periodIndex(from, grain, weekStart) + 1);
}

/** Every period of `grain` that overlaps from..to, whole periods (the first may start before from). */
export function periodsBetween(from: string, to: string, grain: Grain, weekStart: number, max = 5000): Period[] {
  const out: Period[] = [];
  for (
    let start = periodStart(from, grain, weekStart);
    start <= to && out.length < max;
    start = shiftPeriod(start, grain, 1)
  ) {
    out.push({ start, end: addDays(shiftPeriod(start, grain, 1), -1) });
  }
  return out;
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** Today's local date in a timezone. */
export function localDate(at: Date, timezone: string): string {
  let f = formats.get(timezone);
  if (!f) {
    // en-CA formats as YYYY-MM-DD. Formatters are costly to build; the set of zones is bounded.
    f = new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' });
    if (formats.size < 1000) formats.set(timezone, f);
  }
  return f.format(at);
}
