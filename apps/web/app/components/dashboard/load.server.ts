import { isTrpcError, type Caller } from '../../trpc.server.ts';

const RANGES = new Set(['7d', '30d', '90d', '6m', '12m', 'mtd', 'qtd', 'ytd']);
const GRAINS = new Set(['day', 'week', 'month', 'quarter']);
const DATE = /^\d{4}-\d{2}-\d{2}$/;

type Range = '7d' | '30d' | '90d' | '6m' | '12m' | 'mtd' | 'qtd' | 'ytd';
type Grain = 'day' | 'week' | 'month' | 'quarter';

/**
 * A dashboard as the address asks for it (?range=, ?grain=, ?from=&to=). A choice the API refuses
 * (a grain too fine for the range, a reversed range) shows the dashboard's own settings with the
 * reason, instead of an error page.
 */
export async function loadDashboard(api: Caller, slug: string, id: string | undefined, url: URL) {
  const p = url.searchParams;
  const from = p.get('from') ?? '';
  const to = p.get('to') ?? '';
  const range = p.get('range') ?? '';
  const grain = p.get('grain') ?? '';
  const custom = DATE.test(from) && DATE.test(to);
  const input = {
    slug,
    ...(id ? { id } : {}),
    ...(custom ? { from, to } : RANGES.has(range) ? { range: range as Range } : {}),
    ...(GRAINS.has(grain) ? { grain: grain as Grain } : {}),
  };
  try {
    return { data: await api.dashboards.get(input), notice: null };
  } catch (error) {
    if (!isTrpcError(error) || error.code !== 'BAD_REQUEST') throw error;
    return {
      data: await api.dashboards.get({ slug, ...(id ? { id } : {}) }),
      notice: error.message.replace(/^Invalid input: /, ''),
    };
  }
}
