/**
 * How a metric's numbers read on a dashboard. Percent metrics hold percentage points (2.5 means
 * 2.5 %), durations hold seconds, currency metrics their ISO 4217 currency.
 */
export interface Unit {
  unit: 'number' | 'currency' | 'percent' | 'duration';
  currency: string | null;
}

const compactCache = new Map<string, Intl.NumberFormat>();
function nf(key: string, make: () => Intl.NumberFormat) {
  let f = compactCache.get(key);
  if (!f) {
    f = make();
    compactCache.set(key, f);
  }
  return f;
}

function duration(seconds: number): string {
  const s = Math.abs(seconds);
  const sign = seconds < 0 ? '-' : '';
  if (s < 60) return `${sign}${Math.round(s)}s`;
  if (s < 3600) return `${sign}${Math.floor(s / 60)}m ${Math.round(s % 60)}s`;
  if (s < 86_400) return `${sign}${Math.floor(s / 3600)}h ${Math.round((s % 3600) / 60)}m`;
  return `${sign}${(s / 86_400).toFixed(1)}d`;
}

/** A value for reading: compact for big numbers ("€1.2M"), exact enough for small ones. */
export function formatValue(v: number | null, u: Unit, opts: { compact?: boolean } = {}): string {
  if (v === null) return '—';
  const compact = opts.compact ?? Math.abs(v) >= 10_000;
  switch (u.unit) {
    case 'currency':
      return nf(`c${u.currency}${compact}`, () =>
        new Intl.NumberFormat('en', { style: 'currency', currency: u.currency ?? 'USD', notation: compact ? 'compact' : 'standard', maximumFractionDigits: compact ? 1 : Math.abs(v) < 100 ? 2 : 0 }),
      ).format(v);
    case 'percent':
      return `${nf('p', () => new Intl.NumberFormat('en', { maximumFractionDigits: Math.abs(v) < 10 ? 2 : 1 })).format(v)}%`;
    case 'duration':
      return duration(v);
    default:
      return nf(`n${compact}`, () => new Intl.NumberFormat('en', { notation: compact ? 'compact' : 'standard', maximumFractionDigits: compact ? 1 : Math.abs(v) < 10 ? 2 : Math.abs(v) < 1000 ? 1 : 0 })).format(v);
  }
}

export function formatChange(change: number | null): string {
  if (change === null) return '—';
  const pct = new Intl.NumberFormat('en', { style: 'percent', maximumFractionDigits: Math.abs(change) < 0.1 ? 1 : 0, signDisplay: 'exceptZero' });
  return pct.format(change);
}

export function formatPercent(ratio: number | null): string {
  if (ratio === null) return '—';
  return new Intl.NumberFormat('en', { style: 'percent', maximumFractionDigits: 0 }).format(ratio);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A period's label by grain: "Mar 4", "Mar 2024", "Q1 2024". */
export function periodLabel(start: string, grain: 'day' | 'week' | 'month' | 'quarter', opts: { year?: boolean } = {}): string {
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
  return (change > 0) === (direction === 'higher') ? 'good' : 'bad';
}
