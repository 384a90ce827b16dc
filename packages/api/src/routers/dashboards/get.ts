import { AppError } from '../../errors.ts';
import { customRange, resolveRange, type RangePreset, type ResolvedRange } from '../../dashboards/ranges.ts';
import { dashboardSeries, type TileMetric } from '../../dashboards/tile-data.ts';
import { localDate, periodsBetween, periodStart } from '../../metrics/periods.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { checkRange } from '../metrics/series.ts';
import { calendarAndDashboard, selectTilesWithTargets } from './query.ts';
import { dashboardDataInput, parseDashboardData } from './schemas.ts';
import { toTile } from './tiles.ts';

const MAX_POINTS = 400;
const TRAILING = new Set<RangePreset>(['7d', '30d', '90d', '6m', '12m']);

/**
 * A dashboard with the data of every tile, in one call and a fixed number of queries whatever the
 * number of tiles (calendar and dashboard; tiles with their targets; one per level of formula
 * parts not on the dashboard; one read of the daily rollups): the range (a preset, or from/to; the
 * dashboard's own preset by default) and grain in the organization's timezone and week start.
 * Without an id, the default dashboard; with none at all, `dashboard: null`.
 */
export const get = tenantProcedure
  .meta(requirePermission('dashboards:read'))
  .input(dashboardDataInput)
  .output(parseDashboardData)
  .query(async ({ ctx, input }) => {
    const { cal, dashboard } = await calendarAndDashboard(ctx.db, ctx.tenant.id, input.id);
    const today = localDate(new Date(), cal.timezone);
    let preset: RangePreset | null = null;
    let range: ResolvedRange;
    if (input.from && input.to) {
      checkRange(input.from, input.to);
      range = customRange(input.from, input.to);
    } else {
      preset = input.range ?? dashboard?.range ?? '90d';
      range = resolveRange(preset, today);
    }
    const grain = input.grain ?? dashboard?.grain ?? 'week';
    // A trailing range ("last 90 days" by week) starts at the start of its first period, so every
    // point is a whole period; the previous range is then the same number of days before.
    if (preset && TRAILING.has(preset)) {
      const start = periodStart(range.current.from, grain, cal.weekStart);
      if (start !== range.current.from) range = customRange(start, range.current.to);
    }
    if (
      periodsBetween(range.current.from, range.current.to, grain, cal.weekStart, MAX_POINTS + 1).length > MAX_POINTS
    ) {
      throw new AppError(
        'INVALID',
        `That range has more than ${MAX_POINTS} ${grain}s: choose a coarser grain or a shorter range`,
        { fieldErrors: { grain: ['Too many points for this range'] } },
      );
    }
    const rangeOut = {
      preset,
      from: range.current.from,
      to: range.current.to,
      previousFrom: range.previous.from,
      previousTo: range.previous.to,
    };
    if (!dashboard) return { dashboard: null, range: rangeOut, grain, timezone: cal.timezone, tiles: [] };

    const rows = await selectTilesWithTargets(ctx.db, ctx.tenant.id, dashboard.id).execute();
    const metrics = new Map<string, TileMetric>();
    for (const r of rows) {
      if (metrics.has(r.metricId)) continue;
      metrics.set(r.metricId, {
        id: r.metricId,
        key: r.metricKey,
        aggregation: r.aggregation,
        formula: r.formula,
        direction: r.direction,
        targets: r.targets ?? [],
      });
    }
    const series = await dashboardSeries(ctx.db, cal, [...metrics.values()], range, grain);
    const tiles = rows.map((r) => {
      const data = series.get(r.metricId)!;
      return {
        ...toTile(r),
        data: r.showTarget ? data : { ...data, target: null, points: data.points.map((p) => ({ ...p, target: null })) },
      };
    });
    return { dashboard, range: rangeOut, grain, timezone: cal.timezone, tiles };
  });
