import { describe, expect, it } from 'vitest';
import {
  addDays,
  dayNumber,
  dayString,
  daysBetween,
  GRAINS,
  periodCount,
  periodOf,
  periodsBetween,
  periodStart,
  shiftPeriod,
} from './periods.ts';

/**
 * The calendar arithmetic works on day numbers without Date; here it is checked against Date's own
 * UTC calendar for every day from 1900 to 2100 (leap years, 1900 and 2100 not being ones, 2000
 * being one), in every grain and week start.
 */
const DAY_MS = 86_400_000;
const iso = (t: number) => new Date(t).toISOString().slice(0, 10);
const first = Date.UTC(1900, 0, 1);
const last = Date.UTC(2100, 11, 31);

function reference(day: string, grain: (typeof GRAINS)[number], weekStart: number) {
  const d = new Date(`${day}T00:00:00Z`);
  const start =
    grain === 'day'
      ? d
      : grain === 'week'
        ? new Date(d.getTime() - ((d.getUTCDay() - weekStart + 7) % 7) * DAY_MS)
        : new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - (grain === 'quarter' ? d.getUTCMonth() % 3 : 0), 1));
  const next =
    grain === 'day'
      ? new Date(start.getTime() + DAY_MS)
      : grain === 'week'
        ? new Date(start.getTime() + 7 * DAY_MS)
        : new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + (grain === 'quarter' ? 3 : 1), 1));
  return { start: iso(start.getTime()), end: iso(next.getTime() - DAY_MS) };
}

describe('calendar arithmetic', () => {
  it('day numbers match Date for every day from 1900 to 2100', () => {
    for (let t = first, n = dayNumber('1900-01-01'); t <= last; t += DAY_MS, n++) {
      const day = iso(t);
      expect(dayNumber(day)).toBe(t / DAY_MS);
      if (dayString(n) !== day) expect(dayString(n)).toBe(day);
    }
    expect(daysBetween('2024-02-28', '2024-03-01')).toBe(2);
    expect(daysBetween('2100-02-28', '2100-03-01')).toBe(1);
    expect(addDays('1999-12-31', 1)).toBe('2000-01-01');
    expect(addDays('2000-03-01', -1)).toBe('2000-02-29');
  });

  it('periods of every grain and week start match the Date-based calendar', () => {
    // Every day of four years around 2000 and 2100, plus a sample across the whole range.
    const days: string[] = [];
    for (const [from, to] of [
      [Date.UTC(1998, 0, 1), Date.UTC(2001, 11, 31)],
      [Date.UTC(2098, 0, 1), Date.UTC(2100, 11, 31)],
    ] as const) {
      for (let t = from; t <= to; t += DAY_MS) days.push(iso(t));
    }
    for (let t = first; t <= last; t += 37 * DAY_MS) days.push(iso(t));
    for (const day of days) {
      for (const grain of GRAINS) {
        for (const weekStart of grain === 'week' ? [0, 1, 2, 3, 4, 5, 6] : [1]) {
          const want = reference(day, grain, weekStart);
          const got = periodOf(day, grain, weekStart);
          if (got.start !== want.start || got.end !== want.end)
            expect({ day, grain, weekStart, ...got }).toEqual({ day, grain, weekStart, ...want });
          expect(periodStart(day, grain, weekStart)).toBe(want.start);
        }
      }
    }
    expect(shiftPeriod('2024-11-01', 'quarter', 1)).toBe('2025-02-01');
    expect(shiftPeriod('2024-01-01', 'month', -1)).toBe('2023-12-01');
  });

  it('counts the periods between two days as many as periodsBetween builds, for every grain and week start', () => {
    // Ranges that start and end on every weekday and across month, quarter, year and leap-day edges,
    // including reversed ones (none, or the one period both days share).
    const starts = Array.from({ length: 40 }, (_, i) => addDays('2023-12-20', i * 11));
    const lengths = [-40, -1, 0, 1, 6, 7, 8, 30, 31, 89, 92, 365, 366, 800];
    for (const from of starts)
      for (const len of lengths) {
        const to = addDays(from, len);
        for (const grain of GRAINS)
          for (const weekStart of grain === 'week' ? [0, 1, 2, 3, 4, 5, 6] : [1]) {
            const want = periodsBetween(from, to, grain, weekStart).length;
            if (periodCount(from, to, grain, weekStart) !== want)
              expect({ from, to, grain, weekStart, count: periodCount(from, to, grain, weekStart) }).toEqual({
                from,
                to,
                grain,
                weekStart,
                count: want,
              });
          }
      }
  });
});
