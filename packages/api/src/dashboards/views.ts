import { AppError } from '../errors.ts';
import { periodCount, periodStart, type Grain } from '../metrics/periods.ts';
import { customRange, resolveRange, sameDayYearBefore, type RangePreset, type ResolvedRange } from './ranges.ts';

/** At most this many points per tile (per metric). */
const MAX_POINTS = 400;
const TRAILING = new Set<RangePreset>(['7d', '30d', '90d', '6m', '12m']);

export type Comparison = 'previous_period' | 'previous_year';

/** What a tile shows: a range (a preset, or custom dates), the range it is compared with, a grain. */
export interface View {
  preset: RangePreset | null;
  range: ResolvedRange;
  grain: Grain;
}

export function tooManyPoints(range: ResolvedRange, grain: Grain, weekStart: number): boolean {
  return periodCount(range.current.from, range.current.to, grain, weekStart) > MAX_POINTS;
}

/**
 * Resolves a view. A trailing range ("last 90 days" by week) starts at the start of its first
 * period, so every point is a whole period; the previous range is then the same number of days
 * before. "previous_year" compares with the same dates a year earlier instead.
 */
export function resolveView(
  choice: { preset: RangePreset } | { from: string; to: string },
  grain: Grain,
  compareTo: Comparison,
  cal: { weekStart: number; today: string },
): View {
  let preset: RangePreset | null = null;
  let range: ResolvedRange;
  if ('from' in choice) {
    range = customRange(choice.from, choice.to);
  } else {
    preset = choice.preset;
    range = resolveRange(preset, cal.today);
    if (TRAILING.has(preset)) {
      const start = periodStart(range.current.from, grain, cal.weekStart);
      if (start !== range.current.from) range = customRange(start, range.current.to);
    }
  }
  if (compareTo === 'previous_year') {
    range = {
      current: range.current,
      previous: { from: sameDayYearBefore(range.current.from), to: sameDayYearBefore(range.current.to) },
    };
  }
  return { preset, range, grain };
}

export function refuseTooMany(view: View, weekStart: number): void {
  if (tooManyPoints(view.range, view.grain, weekStart)) {
    throw new AppError(
      'INVALID',
      `That range has more than ${MAX_POINTS} ${view.grain}s: choose a coarser grain or a shorter range`,
      { fieldErrors: { grain: ['Too many points for this range'] } },
    );
  }
}
