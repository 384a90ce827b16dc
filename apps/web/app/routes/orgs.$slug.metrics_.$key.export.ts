import { data, type LoaderFunctionArgs } from '@remix-run/node';
import { grainSchema } from '@mfiq/api/shared';
import { exportResponse, isExportFormat } from '../lib/chart-export.server.tsx';
import { callApi } from '../trpc.server.ts';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * GET /orgs/:slug/metrics/:key/export?format=csv|svg|png&grain=&from=&to=: the metric page's
 * chart (value, previous period, target per period, notes) as a download.
 */
export async function loader(args: LoaderFunctionArgs) {
  const slug = args.params.slug ?? '';
  const key = args.params.key ?? '';
  const url = new URL(args.request.url);
  const format = url.searchParams.get('format');
  const from = url.searchParams.get('from') ?? '';
  const to = url.searchParams.get('to') ?? '';
  if (!isExportFormat(format) || !DATE.test(from) || !DATE.test(to))
    throw data({ message: 'Give format (csv, svg or png), from and to' }, { status: 400 });
  const grain = grainSchema.safeParse(url.searchParams.get('grain'));
  const chart = await callApi(args, (api) =>
    api.dashboards.metricChart({ slug, key, from, to, ...(grain.success ? { grain: grain.data } : {}) }),
  );
  return exportResponse(
    {
      title: chart.metric.name,
      grain: chart.grain,
      kind: 'line',
      from: chart.view.from,
      to: chart.view.to,
      keys: [chart.metric.key],
      series: [{ name: chart.metric.name, unit: chart.metric, axis: 0, points: chart.data.points }],
      showPrevious: true,
      previousLabel: 'Previous period',
      notes: chart.annotations,
    },
    format,
  );
}
