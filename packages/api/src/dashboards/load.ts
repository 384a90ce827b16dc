import { sql, type TenantDb } from '@mfiq/db';
import { checkRange } from '../routers/metrics/series.ts';
import { calendarAndDashboard, selectTilesWithTargets } from '../routers/dashboards/query.ts';
import { toTile } from '../routers/dashboards/tiles.ts';
import { localDate, type Grain } from '../metrics/periods.ts';
import type { RangePreset } from './ranges.ts';
import { dashboardSeries, type MetricSeries, type SeriesSpec, type TileMetric } from './tile-data.ts';
import { refuseTooMany, resolveView, tooManyPoints, type View } from './views.ts';

export interface DashboardQuery {
  /** Without an id: the organization's default dashboard. */
  id?: string | undefined;
  range?: RangePreset | undefined;
  from?: string | undefined;
  to?: string | undefined;
  grain?: Grain | undefined;
}

/** At most this many notes per dashboard load (newest dates win). */
const MAX_ANNOTATIONS = 500;

const viewOut = (v: View) => ({
  preset: v.preset,
  from: v.range.current.from,
  to: v.range.current.to,
  previousFrom: v.range.previous.from,
  previousTo: v.range.previous.to,
});

/**
 * A dashboard with the data of every tile, in a fixed number of statements whatever the number of
 * tiles or metrics (calendar and dashboard; tiles with their metrics and targets; notes; one per
 * level of formula parts not on the dashboard; one read of the daily rollups). The page's range
 * (a preset, or from/to; the dashboard's own preset by default) and grain apply to every tile
 * that has none of its own, in the organization's timezone and week start.
 */
export async function loadDashboardData(db: TenantDb, tenantId: string, input: DashboardQuery, now: Date) {
  const { cal, dashboard } = await calendarAndDashboard(db, tenantId, input.id);
  const today = localDate(now, cal.timezone);
  const calendar = { weekStart: cal.weekStart, today };
  if (input.from && input.to) checkRange(input.from, input.to);
  const pageChoice =
    input.from && input.to
      ? { from: input.from, to: input.to }
      : { preset: input.range ?? dashboard?.range ?? ('90d' as const) };
  const pageGrain = input.grain ?? dashboard?.grain ?? 'week';
  const page = resolveView(pageChoice, pageGrain, 'previous_period', calendar);
  refuseTooMany(page, cal.weekStart);
  const base = { range: viewOut(page), grain: page.grain, timezone: cal.timezone };
  if (!dashboard) return { dashboard: null, ...base, tiles: [] };

  const rows = await selectTilesWithTargets(db, tenantId, dashboard.id).execute();
  // Tiles that show the page's view share one spec; a tile with its own range, grain or
  // comparison gets one per distinct view.
  const specs = new Map<string, SeriesSpec & { view: View }>();
  const tileSpecs = rows.map((r) => {
    let view =
      r.range || r.grain || r.compareTo !== 'previous_period'
        ? resolveView(r.range ? { preset: r.range } : pageChoice, r.grain ?? pageGrain, r.compareTo, calendar)
        : page;
    // A tile's own grain over the page's (long, custom) range may be too fine: it then follows the page.
    if (tooManyPoints(view.range, view.grain, cal.weekStart))
      view = resolveView(r.range ? { preset: r.range } : pageChoice, pageGrain, r.compareTo, calendar);
    const key = `${view.range.current.from}|${view.range.current.to}|${view.range.previous.from}|${view.range.previous.to}|${view.grain}`;
    let spec = specs.get(key);
    if (!spec) {
      spec = { range: view.range, grain: view.grain, metrics: [], view };
      specs.set(key, spec);
    }
    const metrics: TileMetric[] = [
      {
        id: r.metricId,
        key: r.metricKey,
        aggregation: r.aggregation,
        formula: r.formula,
        direction: r.direction,
        targets: r.targets ?? [],
      },
      ...(r.more ?? []).map((m) => ({ ...m, targets: m.targets ?? [] })),
    ];
    for (const m of metrics) if (!spec.metrics.some((x) => x.id === m.id)) spec.metrics.push(m);
    return { spec, metricIds: metrics.map((m) => m.id) };
  });
  const all = [...specs.values()];
  const notes = await readNotes(db, tenantId, dashboard.id, rows, all);
  const results = await dashboardSeries(db, { tenantId, weekStart: cal.weekStart }, all);
  const bySpec = new Map(all.map((s, i) => [s, results[i]!]));
  const tiles = rows.map((r, i) => {
    const { spec, metricIds } = tileSpecs[i]!;
    const series = bySpec.get(spec)!;
    const shown = (id: string): MetricSeries => {
      const data = series.get(id)!;
      return r.showTarget ? data : { ...data, target: null, points: data.points.map((p) => ({ ...p, target: null })) };
    };
    const { from, to } = spec.range.current;
    const keys = new Set([r.metricKey, ...(r.more ?? []).map((m) => m.key)]);
    return {
      ...toTile(r),
      view: { ...viewOut(spec.view), grain: spec.grain },
      data: shown(metricIds[0]!),
      moreData: metricIds.slice(1).map(shown),
      annotations: notes.filter(
        (n) => n.date >= from && n.date <= to && (n.metricKey === null || keys.has(n.metricKey)),
      ),
    };
  });
  return { dashboard, ...base, tiles };
}

/** The notes any tile could show: on the dashboard, or on one of its metrics, within the widest view. */
async function readNotes(
  db: TenantDb,
  tenantId: string,
  dashboardId: string,
  rows: { metricId: string; more: { id: string }[] | null }[],
  specs: SeriesSpec[],
) {
  if (!rows.length) return [];
  const metricIds = [...new Set(rows.flatMap((r) => [r.metricId, ...(r.more ?? []).map((m) => m.id)]))];
  const from = specs.reduce((a, s) => (s.range.current.from < a ? s.range.current.from : a), '9999-12-31');
  const to = specs.reduce((a, s) => (s.range.current.to > a ? s.range.current.to : a), '0000-01-01');
  return loadNotes(db, tenantId, { dashboardId, metricIds }, from, to);
}

/** Notes on a dashboard or any of these metrics between two dates, oldest first (at most MAX_ANNOTATIONS, the newest). */
export async function loadNotes(
  db: TenantDb,
  tenantId: string,
  on: { dashboardId?: string; metricIds: string[] },
  from: string,
  to: string,
) {
  const { rows } = await sql<{ id: string; date: string; body: string; metricKey: string | null }>`
    select a.id, a.on_date::text as date, a.body, m.key as metric_key
      from annotations a left join metrics m on m.tenant_id = a.tenant_id and m.id = a.metric_id
     where a.tenant_id = ${tenantId} and a.on_date between ${from}::date and ${to}::date
       and (a.dashboard_id = ${on.dashboardId ?? null}::uuid or a.metric_id = any(${on.metricIds}::uuid[]))
     order by a.on_date desc, a.created_at desc
     limit ${MAX_ANNOTATIONS}`.execute(db);
  return rows.reverse();
}
