import { grainSchema, rangeSchema } from '@mfiq/api/shared';
import { isTrpcError, type Caller } from '../../trpc.server.ts';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * How the address asks to view a dashboard (?range=, ?grain=, ?from=&to=), typed by the API's own
 * schemas; anything malformed is left out and the dashboard's own setting applies.
 */
export function viewFromUrl(url: URL) {
  const p = url.searchParams;
  const from = p.get('from') ?? '';
  const to = p.get('to') ?? '';
  const range = rangeSchema.safeParse(p.get('range'));
  const grain = grainSchema.safeParse(p.get('grain'));
  return {
    ...(DATE.test(from) && DATE.test(to) ? { from, to } : range.success ? { range: range.data } : {}),
    ...(grain.success ? { grain: grain.data } : {}),
  };
}

/**
 * A dashboard as the address asks for it. A choice the API refuses (a grain too fine for the
 * range, a reversed range) shows the dashboard's own settings with the reason, instead of an error
 * page.
 */
export async function loadDashboard(api: Caller, slug: string, id: string | undefined, url: URL) {
  const input = { slug, ...(id ? { id } : {}), ...viewFromUrl(url) };
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
