import { MAX_TS, MIN_TS } from '../metrics/points.ts';
import type { TIMESTAMP_FORMATS } from '../shared/constants.ts';

export type TimestampFormat = (typeof TIMESTAMP_FORMATS)[number];

const FORMAT_LABELS: Record<TimestampFormat, string> = {
  iso: 'ISO 8601 (2024-03-01T09:30:00Z)',
  ymd: 'YYYY-MM-DD',
  dmy: 'DD/MM/YYYY',
  mdy: 'MM/DD/YYYY',
  unix_s: 'Unix seconds',
  unix_ms: 'Unix milliseconds',
};

/** Formats whose values carry no offset: they are local times and need a timezone. */
export const LOCAL_FORMATS: ReadonlySet<TimestampFormat> = new Set(['ymd', 'dmy', 'mdy']);

export type TsResult = { ok: true; ms: number } | { ok: false; message: string };

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;
const TIME = '(?:[T ](\\d{1,2}):(\\d{2})(?::(\\d{2}))?)?';
const YMD = new RegExp(`^(\\d{4})-(\\d{1,2})-(\\d{1,2})${TIME}$`);
const SLASHED = new RegExp(`^(\\d{1,2})/(\\d{1,2})/(\\d{4})${TIME}$`);
const UNIX_S = /^-?\d{1,12}(?:\.\d{1,6})?$/;
const UNIX_MS = /^-?\d{1,15}$/;

const cut = (s: string) => (s.length > 40 ? `${s.slice(0, 40)}…` : s);

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * The UTC offset of a timezone at an instant, with a cache per 15-minute bucket (offsets change on
 * quarter hours in every zone since 1900 but a handful of historical local-mean-time ones; the
 * bucket is cached only when its start and end agree, so those are computed exactly).
 */
function offsetFinder(timezone: string): (utcMs: number) => number {
  if (timezone === 'UTC') return () => 0;
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  const exact = (utcMs: number) => {
    const p: Record<string, number> = {};
    for (const part of fmt.formatToParts(new Date(utcMs)))
      if (part.type !== 'literal') p[part.type] = Number(part.value);
    const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
    return wall - (utcMs - (((utcMs % 1000) + 1000) % 1000));
  };
  const QUARTER = 900_000;
  const cache = new Map<number, number>();
  return (utcMs) => {
    const bucket = Math.floor(utcMs / QUARTER);
    const hit = cache.get(bucket);
    if (hit !== undefined) return hit;
    const start = exact(bucket * QUARTER);
    if (start !== exact(bucket * QUARTER + QUARTER - 1000)) return exact(utcMs);
    if (cache.size > 200_000) cache.clear();
    cache.set(bucket, start);
    return start;
  };
}

/** A wall-clock time in a timezone to UTC; in a DST gap or overlap the result follows the offset before the change. */
function localToUtc(wallMs: number, offsetAt: (utcMs: number) => number): number {
  const first = wallMs - offsetAt(wallMs);
  return wallMs - offsetAt(first);
}

function fromParts(y: number, mo: number, d: number, h: number, mi: number, s: number, raw: string): TsResult | number {
  if (mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || s > 59)
    return { ok: false, message: `Not a real date and time: "${cut(raw)}"` };
  return Date.UTC(y, mo - 1, d, h, mi, s);
}

function inRange(ms: number): TsResult {
  if (!Number.isFinite(ms) || ms < MIN_TS || ms >= MAX_TS)
    return { ok: false, message: 'Timestamp is out of range: it must be from 1900-01-01 to before 2100-01-01' };
  return { ok: true, ms };
}

/**
 * A parser for one timestamp column: the format and timezone of the mapping, applied to each cell.
 * Offsets in the value win over the timezone; a local value with no timezone chosen is an error,
 * never read in some server's zone.
 */
export function timestampParser(format: TimestampFormat, timezone: string | null): (raw: string) => TsResult {
  const offsetAt = timezone ? offsetFinder(timezone) : null;
  const noZone = (raw: string): TsResult => ({
    ok: false,
    message: `Timestamp "${cut(raw)}" has no timezone offset: add one (Z or +02:00) or choose a timezone for local times`,
  });
  const local = (wall: number, raw: string): TsResult => (offsetAt ? inRange(localToUtc(wall, offsetAt)) : noZone(raw));
  switch (format) {
    case 'iso':
      return (raw) => {
        const m = ISO.exec(raw);
        if (!m)
          return {
            ok: false,
            message: `Timestamp "${cut(raw)}" is not ISO 8601 (e.g. 2024-03-01T09:30:00Z or 2024-03-01)`,
          };
        const wall = fromParts(+m[1]!, +m[2]!, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0), raw);
        if (typeof wall !== 'number') return wall;
        const fraction = m[7] ? Math.floor(Number(m[7]) * 1000) : 0;
        const zone = m[8];
        if (!zone) return local(wall + fraction, raw);
        if (zone === 'Z' || zone === 'z') return inRange(wall + fraction);
        const digits = zone.replace(':', '');
        const oh = Number(digits.slice(1, 3));
        const om = Number(digits.slice(3, 5) || 0);
        if (oh > 23 || om > 59) return { ok: false, message: `Timestamp "${cut(raw)}" has an impossible offset` };
        const sign = zone[0] === '-' ? -1 : 1;
        return inRange(wall + fraction - sign * (oh * 3_600_000 + om * 60_000));
      };
    case 'ymd':
    case 'dmy':
    case 'mdy': {
      const re = format === 'ymd' ? YMD : SLASHED;
      const label = FORMAT_LABELS[format];
      return (raw) => {
        const m = re.exec(raw);
        if (!m) return { ok: false, message: `Timestamp "${cut(raw)}" is not in the format ${label}` };
        const [a, b, c] = [+m[1]!, +m[2]!, +m[3]!];
        const [y, mo, d] = format === 'ymd' ? [a, b, c] : format === 'dmy' ? [c, b, a] : [c, a, b];
        const wall = fromParts(y, mo, d, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0), raw);
        return typeof wall === 'number' ? local(wall, raw) : wall;
      };
    }
    case 'unix_s':
      return (raw) =>
        UNIX_S.test(raw)
          ? inRange(Math.round(Number(raw) * 1000))
          : { ok: false, message: `Timestamp "${cut(raw)}" is not a number of Unix seconds` };
    case 'unix_ms':
      return (raw) =>
        UNIX_MS.test(raw)
          ? inRange(Number(raw))
          : { ok: false, message: `Timestamp "${cut(raw)}" is not a number of Unix milliseconds` };
  }
}
