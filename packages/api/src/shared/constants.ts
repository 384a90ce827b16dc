/**
 * The vocabularies that the database, the API's schemas and the pages must agree on, declared once.
 * Client-safe: no imports, so a page can use them in the browser. `constants.test.ts` compares each
 * list with its PostgreSQL enum or check.
 */

/** Period lengths (PostgreSQL enum `metric_grain`). */
export const GRAINS = ['day', 'week', 'month', 'quarter'] as const;
export type Grain = (typeof GRAINS)[number];
export const GRAIN_LABELS: Record<Grain, string> = {
  day: 'Daily',
  week: 'Weekly',
  month: 'Monthly',
  quarter: 'Quarterly',
};

/** A dashboard's date-range presets (PostgreSQL enum `dashboard_range`). */
export const RANGE_PRESETS = ['7d', '30d', '90d', '6m', '12m', 'mtd', 'qtd', 'ytd'] as const;
export type RangePreset = (typeof RANGE_PRESETS)[number];
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

/** First day of the organization's week: 0 = Sunday ... 6 = Saturday (check on `organizations.week_start`). */
export const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;
export const WEEK_STARTS = [0, 1, 2, 3, 4, 5, 6] as const;
export type WeekStart = (typeof WEEK_STARTS)[number];

/** Metric definitions (PostgreSQL enums `metric_unit`, `metric_aggregation`, `metric_direction`). */
export const UNITS = ['number', 'currency', 'percent', 'duration'] as const;
export const AGGREGATIONS = ['sum', 'avg', 'min', 'max', 'count', 'last'] as const;
export const DIRECTIONS = ['higher', 'lower'] as const;
/** How a webhook channel's payload is shaped: our signed JSON, or Slack's incoming-webhook shape. */
export const WEBHOOK_FORMATS = ['json', 'slack'] as const;

/**
 * IANA timezones this runtime knows, UTC first. The server's list is the one the API accepts, so
 * pages take it from their loader rather than from the browser's ICU.
 */
export function supportedTimezones(): string[] {
  return ['UTC', ...Intl.supportedValuesOf('timeZone').filter((tz) => tz !== 'UTC')];
}

/** The timestamp formats a CSV import understands (imports/timestamps.ts parses them). */
export const TIMESTAMP_FORMATS = ['iso', 'ymd', 'dmy', 'mdy', 'unix_s', 'unix_ms'] as const;
