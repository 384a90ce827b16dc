import type { Condition } from './conditions.ts';
import { addDays, shiftPeriod, type Grain, type Period } from '../metrics/periods.ts';

/**
 * Every alert explains itself: the rule, the period, the value, what it was compared with and a
 * link to the metric at that period. The explanation is written once, when the event fires, and
 * stored with it, so the inbox, the mail, the webhook and the alert page all say the same thing.
 */
export interface MetricLabel {
  key: string;
  name: string;
  unit: 'number' | 'currency' | 'percent' | 'duration';
  currency: string | null;
}

export interface Explanation {
  summary: string;
  rule: { id: string; name: string; kind: Condition['kind']; condition: string };
  metric: { key: string; name: string };
  period: { grain: Grain; start: string; end: string; label: string; partial: boolean } | null;
  value: number | null;
  valueText: string;
  /** What the value was compared with: a threshold, the previous period, a target, a band. */
  comparedWith: { label: string; value: number | null; text: string } | null;
  band?: { low: number; high: number; median: number; mad: number; periods: number };
  /** The metric page at the period (path only; mail and webhooks put the public URL in front). */
  link: string;
}

const GRAIN_NOUN: Record<Grain, [string, string]> = {
  day: ['day', 'days'],
  week: ['week', 'weeks'],
  month: ['month', 'months'],
  quarter: ['quarter', 'quarters'],
};

export const plural = (n: number, grain: Grain) => `${n} ${GRAIN_NOUN[grain][n === 1 ? 0 : 1]}`;

function plain(v: number, digits: number): string {
  const fixed = Math.abs(v).toFixed(digits);
  const [int, frac = ''] = fixed.split('.');
  const f = frac.replace(/0+$/, '');
  const out = `${int!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${f ? `.${f}` : ''}`;
  return v < 0 && Number(fixed) !== 0 ? `-${out}` : out;
}

/** Exact enough to check against the chart: up to four decimals, thousands grouped, the unit. */
export function formatNumber(v: number | null, unit: Pick<MetricLabel, 'unit' | 'currency'>): string {
  if (v === null) return 'no value';
  const digits = Math.abs(v) >= 1000 ? 2 : 4;
  switch (unit.unit) {
    case 'currency':
      return `${plain(v, 2)} ${unit.currency ?? ''}`.trim();
    case 'percent':
      return `${plain(v, digits)} %`;
    case 'duration':
      return `${plain(v, digits)} s`;
    case 'number':
      return plain(v, digits);
  }
}

const QUARTER = (month: number) => Math.floor((month - 1) / 3) + 1;
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

export function periodLabel(period: Period, grain: Grain): string {
  const y = period.start.slice(0, 4);
  const m = Number(period.start.slice(5, 7));
  switch (grain) {
    case 'day':
      return period.start;
    case 'week':
      return `the week of ${period.start}`;
    case 'month':
      return `${MONTHS[m - 1]} ${y}`;
    case 'quarter':
      return `Q${QUARTER(m)} ${y}`;
  }
}

/** "above 100", "up by more than 10 % on the previous week", ... (reads after the metric's name). */
export function describeCondition(c: Condition, grain: Grain, unit: Pick<MetricLabel, 'unit' | 'currency'>): string {
  const noun = GRAIN_NOUN[grain][0];
  switch (c.kind) {
    case 'threshold':
      return `${c.op} ${formatNumber(c.value, unit)} in a ${noun}`;
    case 'change': {
      const amount = c.unit === 'percent' ? `${plain(c.by, 2)} %` : formatNumber(c.by, unit);
      const against = c.compareTo === 'previous' ? `the previous ${noun}` : `the same ${noun} a year earlier`;
      return `${c.direction} by more than ${amount} on ${against}`;
    }
    case 'stale':
      return c.unit === 'hours'
        ? `no new data for more than ${c.count} hour${c.count === 1 ? '' : 's'}`
        : `no data for ${plural(c.count, grain)} or more`;
    case 'pace':
      return `on pace to miss its target by more than ${plain(c.missBy, 2)} % (judged after ${plain(c.minElapsed, 2)} % of the period)`;
    case 'anomaly':
      return `outside median ± ${plain(c.k, 2)}·MAD of the previous ${plural(c.window, grain)} (at least ${c.minHistory} with data)`;
  }
}

const LINK_SPAN: Record<Grain, number> = { day: 30, week: 12, month: 12, quarter: 8 };

/** The metric page with the period as the last point of a window long enough to see it in context. */
export function metricLink(slug: string, key: string, grain: Grain, period: Period | null, today: string): string {
  const end = period?.end ?? today;
  const start = period?.start ?? today;
  const from = shiftPeriod(start, grain, -(LINK_SPAN[grain] - 1));
  const q = new URLSearchParams({ grain, from, to: end < addDays(today, 366) ? end : today });
  return `/orgs/${slug}/metrics/${key}?${q.toString()}`;
}
