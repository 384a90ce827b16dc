import { scaleBand, scaleLinear, scalePoint } from 'd3-scale';
import { area, line } from 'd3-shape';

/**
 * Chart geometry on d3-scale and d3-shape: scales, nice ticks and SVG path strings only. d3 never
 * touches the DOM here; the components put the numbers into SVG attributes, so the charts keep
 * rendering on the server without inline styles (see charts.tsx).
 */

/** A point of a line: null values are gaps (no invented zeros). */
export interface LinePoint {
  x: number;
  y: number | null;
}

export interface YAxis {
  /** Value -> pixel. */
  y: (v: number) => number;
  ticks: number[];
  min: number;
  max: number;
}

/**
 * A y axis over the values (nulls and non-finite values ignored) between pixel rows `bottom` and
 * `top`: zero is always in the domain (bars and areas start from it), the domain is widened to
 * nice round numbers, and about `count` ticks are picked. No data gives [0, 1].
 */
export function yAxis(values: (number | null)[], bottom: number, top: number, count = 4): YAxis {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  let lo = Math.min(0, ...xs);
  let hi = Math.max(0, ...xs);
  if (lo === hi) hi = lo + 1;
  const s = scaleLinear().domain([lo, hi]).range([bottom, top]).nice(count);
  [lo, hi] = s.domain() as [number, number];
  return { y: (v: number) => s(v), ticks: s.ticks(count), min: lo, max: hi };
}

/** x positions of n points spread over [left, right] (one point sits in the middle). */
export function pointX(n: number, left: number, right: number): (i: number) => number {
  const s = scalePoint<number>()
    .domain(Array.from({ length: n }, (_, i) => i))
    .range([left, right]);
  return (i: number) => s(i) ?? (left + right) / 2;
}

/** Bands for n periods over [left, right]: each period's centre, and the width a period may fill. */
export function bands(n: number, left: number, right: number) {
  const s = scaleBand<number>()
    .domain(Array.from({ length: Math.max(1, n) }, (_, i) => i))
    .range([left, right]);
  return { center: (i: number) => (s(i) ?? left) + s.bandwidth() / 2, width: s.bandwidth() };
}

/**
 * Side-by-side slots inside one band (one per series and comparison): the left edge and width of
 * slot k of `slots`, around the band's centre, filling `fill` of the band.
 */
export function slots(bandWidth: number, count: number, fill = 0.72) {
  const s = scaleBand<number>()
    .domain(Array.from({ length: Math.max(1, count) }, (_, i) => i))
    .range([-(bandWidth * fill) / 2, (bandWidth * fill) / 2])
    .paddingInner(count > 1 ? 0.08 : 0);
  return { offset: (k: number) => s(k) ?? 0, width: Math.max(1, s.bandwidth()) };
}

/** An SVG path through the points, broken where a value is missing. */
export function linePath(points: LinePoint[]): string {
  return (
    line<LinePoint>()
      .defined((p) => p.y !== null)
      .x((p) => p.x)
      .y((p) => p.y!)
      .digits(1)(points) ?? ''
  );
}

/** The area between the line and the baseline (zero), broken where a value is missing. */
export function areaPath(points: LinePoint[], baseline: number): string {
  return (
    area<LinePoint>()
      .defined((p) => p.y !== null)
      .x((p) => p.x)
      .y0(baseline)
      .y1((p) => p.y!)
      .digits(1)(points) ?? ''
  );
}

/** A bar from the baseline to the value, upwards or (negative values) downwards. */
export function barRect(value: number, y: (v: number) => number) {
  const base = y(0);
  const top = y(value);
  return { y: Math.min(top, base), height: Math.max(0.5, Math.abs(base - top)) };
}

/** Indexes of up to `max` evenly spaced labels, always including the last. */
export function labelIndexes(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const step = Math.ceil(n / max);
  const out: number[] = [];
  for (let i = n - 1; i >= 0; i -= step) out.unshift(i);
  return out;
}

/** The index of the period holding a date (periods in order, each with start and end), or -1. */
export function periodIndex(periods: { start: string; end: string }[], date: string): number {
  return periods.findIndex((p) => p.start <= date && date <= p.end);
}
