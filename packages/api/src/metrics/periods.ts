/**
 * Calendar periods over local dates ('YYYY-MM-DD' in the organization's timezone). Dates are
 * handled as UTC midnights internally, so no host timezone or DST can shift a day.
 */
export const GRAINS = ['day', 'week', 'month', 'quarter'] as const;
export type Grain = (typeof GRAINS)[number];

export interface Period {
  /** First local day of the period. */
  start: string;
  /** Last local day of the period (inclusive). */
  end: string;
}

const DAY_MS = 86_400_000;
const toDate = (d: string) => new Date(`${d}T00:00:00Z`);
const fmt = (d: Date) => d.toISOString().slice(0, 10);

export function addDays(day: string, n: number): string {
  return fmt(new Date(toDate(day).getTime() + n * DAY_MS));
}

export function daysBetween(from: string, to: string): number {
  return Math.round((toDate(to).getTime() - toDate(from).getTime()) / DAY_MS);
}

function addMonths(day: string, n: number): string {
  const d = toDate(day);
  return fmt(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1)));
}

/** The first day of the period of `grain` that contains `day`; weeks start on `weekStart` (0 = Sunday). */
export function periodStart(day: string, grain: Grain, weekStart: number): string {
  const d = toDate(day);
  switch (grain) {
    case 'day':
      return day;
    case 'week':
      return addDays(day, -((d.getUTCDay() - weekStart + 7) % 7));
    case 'month':
      return fmt(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)));
    case 'quarter':
      return fmt(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - (d.getUTCMonth() % 3), 1)));
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

/** Every period of `grain` that overlaps from..to, whole periods (the first may start before from). */
export function periodsBetween(from: string, to: string, grain: Grain, weekStart: number, max = 5000): Period[] {
  const out: Period[] = [];
  for (let start = periodStart(from, grain, weekStart); start <= to && out.length < max; start = shiftPeriod(start, grain, 1)) {
    out.push({ start, end: addDays(shiftPeriod(start, grain, 1), -1) });
  }
  return out;
}

/** Today's local date in a timezone. */
export function localDate(at: Date, timezone: string): string {
  // en-CA formats as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}
