import type { TenantDb } from '@mfiq/db';

/**
 * Starting points built from the organization's own metric catalog: a template names the tags and
 * the usual keys of its subject, and a dashboard made from it tiles the matching metrics (number
 * cards first, then charts). A template with no matching metric is not offered.
 */
const TEMPLATES = [
  {
    id: 'sales',
    name: 'Sales overview',
    description: 'Revenue, recurring revenue, deals and paying customers.',
    tags: ['sales', 'finance', 'revenue'],
    keys: ['revenue', 'mrr', 'arr', 'bookings', 'deals_won', 'pipeline', 'arpa', 'paying_customers'],
  },
  {
    id: 'growth',
    name: 'Growth',
    description: 'Visitors, sign-ups, trials and conversion.',
    tags: ['growth', 'marketing'],
    keys: ['website_visitors', 'visitors', 'new_signups', 'signups', 'trials_started', 'conversion_rate', 'leads'],
  },
  {
    id: 'customers',
    name: 'Customer health',
    description: 'Active users, churn and satisfaction.',
    tags: ['customers', 'success', 'product'],
    keys: ['active_users', 'paying_customers', 'churn_rate', 'nps', 'csat'],
  },
  {
    id: 'support',
    name: 'Support',
    description: 'Ticket volume and response times.',
    tags: ['support'],
    keys: ['support_tickets', 'first_response_time', 'resolution_time', 'csat'],
  },
] as const;

export type TemplateId = (typeof TEMPLATES)[number]['id'];
export const TEMPLATE_IDS = TEMPLATES.map((t) => t.id) as [TemplateId, ...TemplateId[]];

/** Tiles per template dashboard: four number cards, then charts. */
const MAX_TEMPLATE_METRICS = 8;

interface CatalogMetric {
  id: string;
  key: string;
  name: string;
  tags: string[];
  aggregation: string;
}

/** The organization's live metrics each template would tile, in tile order. */
export async function templateMatches(db: TenantDb, tenantId: string) {
  const catalog: CatalogMetric[] = await db
    .selectFrom('metrics')
    .select(['id', 'key', 'name', 'tags', 'aggregation'])
    .where('tenantId', '=', tenantId)
    .where('archivedAt', 'is', null)
    .orderBy('name')
    .execute();
  return TEMPLATES.map((t) => {
    const keys: readonly string[] = t.keys;
    const tags: readonly string[] = t.tags;
    const rank = (m: CatalogMetric) => (keys.includes(m.key) ? keys.indexOf(m.key) : keys.length);
    const metrics = catalog
      .filter((m) => keys.includes(m.key) || m.tags.some((tag) => tags.includes(tag)))
      .sort((a, b) => rank(a) - rank(b))
      .slice(0, MAX_TEMPLATE_METRICS);
    return { ...t, metrics };
  });
}

/** Where each metric goes: the first four as number cards, the rest as charts (bars for totals). */
export function templateTiles(metrics: CatalogMetric[]) {
  return metrics.map((m, i) => ({
    metricId: m.id,
    kind:
      i < 4
        ? ('number' as const)
        : m.aggregation === 'sum' || m.aggregation === 'count'
          ? ('bar' as const)
          : ('line' as const),
    position: i,
  }));
}
