/**
 * The demo organization's metrics: a SaaS company a year into steady growth. Every value is a
 * pure function of (metric, date), so a re-run on the same day rewrites nothing and a run a week
 * later adds that week without changing the past.
 */
export interface DemoMetric {
  key: string;
  name: string;
  description: string;
  unit: 'number' | 'currency' | 'percent' | 'duration';
  currency?: string;
  aggregation: 'sum' | 'avg' | 'last';
  direction: 'higher' | 'lower';
  defaultGrain: 'day' | 'week' | 'month';
  tags: string[];
  formula?: string;
  /** Plain metrics: the value on a day, from its index since the epoch and a seeded noise source. */
  value?: (t: number, dow: number, noise: () => number) => number;
  /**
   * Targets, set relative to the last four weeks of generated data (factor 1.05: 5 % above the
   * recent level or pace), so that the demo shows a mix of on-track, at-risk and off-track.
   */
  targets?: { grain: 'month' | 'quarter'; factor: number }[];
}

// Values grow from their base at the epoch; days before it are smaller.
const EPOCH = Date.UTC(2026, 0, 1);
/** Monday = 0 ... Sunday = 6: business metrics dip at the weekend. */
const WEEKDAY = [1.08, 1.12, 1.1, 1.06, 0.98, 0.6, 0.55];
const growth = (t: number, perYear: number) => (1 + perYear) ** (t / 365);
/** A gentle yearly cycle (quieter in August and late December). */
const season = (t: number) =>
  1 + 0.06 * Math.sin(((t - 60) / 365) * 2 * Math.PI) - (Math.abs((((t % 365) + 365) % 365) - 358) < 7 ? 0.25 : 0);
const round = (v: number, digits = 0) => Number(v.toFixed(digits));

export const DEMO_METRICS: DemoMetric[] = [
  {
    key: 'revenue',
    name: 'Revenue',
    description: 'Invoiced revenue, net of refunds.',
    unit: 'currency',
    currency: 'EUR',
    aggregation: 'sum',
    direction: 'higher',
    defaultGrain: 'month',
    tags: ['finance'],
    value: (t, dow, n) => round(9_800 * growth(t, 0.38) * WEEKDAY[dow]! * season(t) * (1 + 0.09 * n()), 2),
    targets: [{ grain: 'month', factor: 1.04 }],
  },
  {
    key: 'mrr',
    name: 'MRR',
    description: 'Monthly recurring revenue at the end of the day.',
    unit: 'currency',
    currency: 'EUR',
    aggregation: 'last',
    direction: 'higher',
    defaultGrain: 'month',
    tags: ['finance'],
    value: (t, _d, n) => round(268_000 * growth(t, 0.31) * (1 + 0.004 * n()), 0),
    targets: [{ grain: 'quarter', factor: 1.05 }],
  },
  {
    key: 'paying_customers',
    name: 'Paying customers',
    description: 'Accounts on a paid plan at the end of the day.',
    unit: 'number',
    aggregation: 'last',
    direction: 'higher',
    defaultGrain: 'month',
    tags: ['customers'],
    value: (t, _d, n) => Math.round(1_180 * growth(t, 0.22) * (1 + 0.003 * n())),
  },
  {
    key: 'new_signups',
    name: 'New signups',
    description: 'Accounts created (free and trial).',
    unit: 'number',
    aggregation: 'sum',
    direction: 'higher',
    defaultGrain: 'week',
    tags: ['growth'],
    value: (t, dow, n) => Math.max(0, Math.round(96 * growth(t, 0.45) * WEEKDAY[dow]! * season(t) * (1 + 0.14 * n()))),
    targets: [{ grain: 'month', factor: 0.96 }],
  },
  {
    key: 'website_visitors',
    name: 'Website visitors',
    description: 'Unique visitors to the marketing site.',
    unit: 'number',
    aggregation: 'sum',
    direction: 'higher',
    defaultGrain: 'week',
    tags: ['growth'],
    value: (t, dow, n) => Math.max(0, Math.round(3_050 * growth(t, 0.3) * WEEKDAY[dow]! * season(t) * (1 + 0.1 * n()))),
  },
  {
    key: 'conversion_rate',
    name: 'Visitor to signup conversion',
    description: 'New signups per 100 website visitors (ratio of the period sums).',
    unit: 'percent',
    aggregation: 'avg',
    direction: 'higher',
    defaultGrain: 'week',
    tags: ['growth'],
    formula: 'new_signups / website_visitors * 100',
    targets: [{ grain: 'month', factor: 0.98 }],
  },
  {
    key: 'active_users',
    name: 'Daily active users',
    description: 'Distinct users active in the product, averaged over the period.',
    unit: 'number',
    aggregation: 'avg',
    direction: 'higher',
    defaultGrain: 'week',
    tags: ['product'],
    value: (t, dow, n) => Math.round(4_650 * growth(t, 0.28) * (dow >= 5 ? 0.62 : 1.04) * (1 + 0.035 * n())),
    targets: [{ grain: 'month', factor: 1.12 }],
  },
  {
    key: 'churn_rate',
    name: 'Churn rate',
    description: 'Share of paying customers cancelling, monthly rate measured daily.',
    unit: 'percent',
    aggregation: 'avg',
    direction: 'lower',
    defaultGrain: 'month',
    tags: ['customers'],
    value: (t, _d, n) => round(Math.max(0.4, 2.7 * growth(t, -0.16) * (1 + 0.12 * n())), 2),
    targets: [{ grain: 'month', factor: 0.96 }],
  },
  {
    key: 'nps',
    name: 'NPS',
    description: 'Net promoter score from in-app surveys.',
    unit: 'number',
    aggregation: 'avg',
    direction: 'higher',
    defaultGrain: 'month',
    tags: ['customers'],
    value: (t, _d, n) => round(Math.max(-100, Math.min(100, 36 + 9 * (1 - 1 / growth(t, 0.9)) + 7 * n())), 1),
    targets: [{ grain: 'quarter', factor: 0.97 }],
  },
  {
    key: 'support_tickets',
    name: 'Support tickets',
    description: 'Tickets opened by customers.',
    unit: 'number',
    aggregation: 'sum',
    direction: 'lower',
    defaultGrain: 'week',
    tags: ['support'],
    value: (t, dow, n) => Math.max(0, Math.round(74 * growth(t, 0.08) * WEEKDAY[dow]! * (1 + 0.16 * n()))),
  },
  {
    key: 'first_response_time',
    name: 'First response time',
    description: 'Median time to the first human reply, in seconds.',
    unit: 'duration',
    aggregation: 'avg',
    direction: 'lower',
    defaultGrain: 'week',
    tags: ['support'],
    value: (t, dow, n) => Math.round(Math.max(600, 7_600 * growth(t, -0.2) * (dow >= 5 ? 1.5 : 1) * (1 + 0.15 * n()))),
    targets: [{ grain: 'month', factor: 1.08 }],
  },
  {
    key: 'trials_started',
    name: 'Trials started',
    description: 'Free trials of paid plans.',
    unit: 'number',
    aggregation: 'sum',
    direction: 'higher',
    defaultGrain: 'week',
    tags: ['growth'],
    value: (t, dow, n) => Math.max(0, Math.round(31 * growth(t, 0.4) * WEEKDAY[dow]! * season(t) * (1 + 0.18 * n()))),
  },
  {
    key: 'arpa',
    name: 'Average revenue per account',
    description: 'MRR per paying customer.',
    unit: 'currency',
    currency: 'EUR',
    aggregation: 'avg',
    direction: 'higher',
    defaultGrain: 'month',
    tags: ['finance'],
    formula: 'mrr / paying_customers',
  },
];

/** The home dashboard: four headline numbers, then trends, then detail. */
export const DEMO_DASHBOARD = {
  name: 'Company overview',
  range: '90d' as const,
  grain: 'week' as const,
  tiles: [
    { metric: 'revenue', kind: 'number' },
    { metric: 'mrr', kind: 'number' },
    { metric: 'new_signups', kind: 'number' },
    { metric: 'churn_rate', kind: 'number' },
    { metric: 'revenue', kind: 'line', title: 'Revenue trend' },
    { metric: 'new_signups', kind: 'bar', title: 'Signups trend' },
    { metric: 'active_users', kind: 'line' },
    { metric: 'nps', kind: 'number' },
    { metric: 'conversion_rate', kind: 'number' },
    { metric: 'support_tickets', kind: 'bar' },
    { metric: 'first_response_time', kind: 'number' },
    { metric: 'arpa', kind: 'number' },
  ] as { metric: string; kind: 'number' | 'line' | 'bar' | 'table'; title?: string }[],
};

/** Day index since the epoch and weekday (Monday = 0) of a local date. */
export function dayIndex(date: string): { t: number; dow: number } {
  const ms = Date.parse(`${date}T00:00:00Z`);
  const t = Math.round((ms - EPOCH) / 86_400_000);
  return { t, dow: (new Date(ms).getUTCDay() + 6) % 7 };
}

/** A standard normal source seeded by a string (FNV-1a into mulberry32, Box-Muller). */
export function seededNormal(seed: string): () => number {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193);
  let a = h >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4_294_967_296;
  };
  return () => {
    const u = Math.max(uniform(), 1e-12);
    return Math.max(-3, Math.min(3, Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform())));
  };
}
