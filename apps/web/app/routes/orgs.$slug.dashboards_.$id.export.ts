import { data, type LoaderFunctionArgs } from '@remix-run/node';
import { loadDashboard } from '../components/dashboard/load.server.ts';
import { chartSeries, PREVIOUS_LABEL } from '../components/dashboard/tiles.tsx';
import { exportResponse, isExportFormat } from '../lib/chart-export.server.tsx';
import { callApi } from '../trpc.server.ts';

/**
 * GET /orgs/:slug/dashboards/:id/export?tile=<id>&format=csv|svg|png (and the page's range and
 * grain): one tile's series as a download, with the reader's dashboards:read permission checked
 * by dashboards.get like the page itself. Charts are drawn on the server from the same components.
 */
export async function loader(args: LoaderFunctionArgs) {
  const slug = args.params.slug ?? '';
  const id = args.params.id ?? '';
  const url = new URL(args.request.url);
  const format = url.searchParams.get('format');
  if (!isExportFormat(format)) throw data({ message: 'Format is csv, svg or png' }, { status: 400 });
  const { data: dash } = await callApi(args, (api) => loadDashboard(api, slug, id, url));
  const tile = dash.tiles.find((t) => t.id === url.searchParams.get('tile'));
  if (!tile) throw data({ message: 'Page not found' }, { status: 404 });
  return exportResponse(
    {
      title: tile.title ?? tile.metric.name,
      grain: tile.view.grain,
      kind: tile.kind === 'bar' ? 'bar' : 'line',
      from: tile.view.from,
      to: tile.view.to,
      keys: [tile.metric.key, ...tile.more.map((m) => m.key)],
      series: chartSeries(tile),
      showPrevious: tile.showPrevious,
      previousLabel: PREVIOUS_LABEL[tile.compareTo],
      notes: tile.annotations,
    },
    format,
  );
}
