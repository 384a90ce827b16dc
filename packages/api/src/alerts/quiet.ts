import { addDays, localDate } from '../metrics/periods.ts';
import { zonedMidnight } from '../metrics/zoned.ts';

const formats = new Map<string, Intl.DateTimeFormat>();

/** Minutes since local midnight of an instant in a timezone. */
export function localMinutes(at: Date, timezone: string): number {
  let f = formats.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: timezone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit' });
    if (formats.size < 1000) formats.set(timezone, f);
  }
  const parts = f.formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  return get('hour') * 60 + get('minute');
}

/** The instant of a local date and minute of the day (the first such instant across a DST change). */
function zonedTime(date: string, minute: number, timezone: string): Date {
  const guess = new Date(zonedMidnight(date, timezone).getTime() + minute * 60_000);
  // Across a DST change the day is 23 or 25 hours long: one correction lands on the local minute.
  const drift = localMinutes(guess, timezone) - minute;
  const wrap = drift > 720 ? drift - 1440 : drift < -720 ? drift + 1440 : drift;
  return wrap === 0 ? guess : new Date(guess.getTime() - wrap * 60_000);
}

/** "22:00" for minute 1320. */
export const clock = (minute: number) =>
  `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

/**
 * While a rule's quiet hours last (local time; a window may span midnight), mail and webhooks are
 * held until they end; the in-app inbox, which interrupts nobody, is filled at once. Returns when
 * the quiet hours end, or null outside them.
 */
export function quietUntil(quiet: { start: number; end: number } | null, now: Date, timezone: string): Date | null {
  if (!quiet) return null;
  const m = localMinutes(now, timezone);
  const inside = quiet.start < quiet.end ? m >= quiet.start && m < quiet.end : m >= quiet.start || m < quiet.end;
  if (!inside) return null;
  const today = localDate(now, timezone);
  const endDay = m < quiet.end ? today : addDays(today, 1);
  return zonedTime(endDay, quiet.end, timezone);
}
