/**
 * How a metric's numbers read on a dashboard. Percent metrics hold percentage points (2.5 means
 * 2.5 %), durations hold seconds, currency metrics their ISO 4217 currency.
 */
export interface Unit {
  unit: 'number' | 'currency' | 'percent' | 'duration';
  currency: string | null;
}

/*
 * Formatting is done here rather than with Intl.NumberFormat: the server (Node's ICU) and the
 * browser (its own ICU) disagree on details such as "€1.0M" against "€1M", and any difference
 * breaks hydration. These rules give the same text everywhere.
 */
const SYMBOLS: Record<string, string> = {
  EUR: '€',
  USD: '$',
  GBP: '£',
  JPY: '¥',
  INR: '₹',
  CHF: 'CHF ',
  CAD: 'CA$',
  AUD: 'A$',
};

function group(int: string): string {
  return int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Fixed to at most `digits` decimals, trailing zeros dropped, thousands grouped. */
function plain(v: number, digits: number): string {
  const fixed = Math.abs(v).toFixed(digits);
  const [int, frac = ''] = fixed.split('.');
  const f = frac.replace(/0+$/, '');
  const out = `${group(int!)}${f ? `.${f}` : ''}`;
  return v < 0 && Number(fixed) !== 0 ? `-${out}` : out;
}

/** 1.9M, 22.1K, 950. */
function compact(v: number): string {
  const a = Math.abs(v);
  for (const [unit, suffix] of [
    [1e12, 'T'],
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'K'],
  ] as const) {
    if (a >= unit * 0.9995) {
      const x = v / unit;
      return `${plain(x, Math.abs(x) >= 100 ? 0 : 1)}${suffix}`;
    }
  }
  return plain(v, a >= 100 ? 0 : a >= 10 ? 1 : 2);
}

function duration(seconds: number): string {
  const s = Math.abs(seconds);
  const sign = seconds < 0 ? '-' : '';
  if (s < 60) return `${sign}${Math.round(s)}s`;
  if (s < 3600) return `${sign}${Math.floor(s / 60)}m ${Math.round(s % 60)}s`;
  if (s < 86_400) return `${sign}${Math.floor(s / 3600)}h ${Math.round((s % 3600) / 60)}m`;
  return `${sign}${plain(s / 86_400, 1)}d`;
}

/** A value for reading: compact for big numbers ("€1.9M"), exact enough for small ones. */
export function formatValue(v: number | null, u: Unit, opts: { compact?: boolean } = {}): string {
  if (v === null) return '—';
  const isCompact = opts.compact ?? Math.abs(v) >= 10_000;
  const num = (x: number, digits: number) => (isCompact ? compact(x) : plain(x, digits));
  switch (u.unit) {
    case 'currency': {
      const code = u.currency ?? 'USD';
      const symbol = SYMBOLS[code] ?? `${code} `;
      const body = num(Math.abs(v), Math.abs(v) < 100 ? 2 : 0);
      return `${v < 0 ? '-' : ''}${symbol}${body}`;
    }
    case 'percent':
      return `${plain(v, Math.abs(v) < 10 ? 2 : 1)}%`;
    case 'duration':
      return duration(v);
    default:
      return num(v, Math.abs(v) < 10 ? 2 : Math.abs(v) < 1000 ? 1 : 0);
  }
}

export function formatChange(change: number | null): string {
  if (change === null) return '—';
  const pct = change * 100;
  const text = plain(pct, Math.abs(pct) < 10 ? 1 : 0);
  return Number(text) === 0 ? '0%' : `${pct > 0 ? '+' : ''}${text}%`;
}

export function formatPercent(ratio: number | null): string {
  if (ratio === null) return '—';
  return `${plain(ratio * 100, 0)}%`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A period's label by grain: "Mar 4", "Mar 2024", "Q1 2024". */
export function periodLabel(
  start: string,
  grain: 'day' | 'week' | 'month' | 'quarter',
  opts: { year?: boolean } = {},
): string {
  const y = start.slice(0, 4);
  const m = Number(start.slice(5, 7)) - 1;
  const d = Number(start.slice(8, 10));
  switch (grain) {
    case 'day':
    case 'week':
      return `${MONTHS[m]} ${d}${opts.year ? `, ${y}` : ''}`;
    case 'month':
      return opts.year ? `${MONTHS[m]} ${y}` : MONTHS[m]!;
    case 'quarter':
      return `Q${Math.floor(m / 3) + 1} ${y}`;
  }
}

export function rangeLabel(from: string, to: string): string {
  const sameYear = from.slice(0, 4) === to.slice(0, 4);
  return `${periodLabel(from, 'day', { year: !sameYear })} – ${periodLabel(to, 'day', { year: true })}`;
}

/**
 * Whether a change is good news: up is good for "higher is better" metrics, down for "lower is
 * better" ones (churn, response time).
 */
export function tone(change: number | null, direction: 'higher' | 'lower'): 'good' | 'bad' | 'flat' {
  if (change === null || Math.abs(change) < 0.0005) return 'flat';
  return change > 0 === (direction === 'higher') ? 'good' : 'bad';
}
