import { z } from 'zod';
import { loadNotes } from '../../dashboards/load.ts';
import { dashboardSeries } from '../../dashboards/tile-data.ts';
import { refuseTooMany, resolveView } from '../../dashboards/views.ts';
import { localDate } from '../../metrics/periods.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { orgCalendar } from '../metrics/calendar.ts';
import { seriesInput, checkRange } from '../metrics/series.ts';
import { selectMetricForChart } from './query.ts';
import { annotationOutput, seriesDataOutput, tileMetricOutput } from './schemas.ts';

/**
 * One metric as a chart tile would show it (the metric page's chart and its exports): by grain over
 * the dates, the previous period beside each point, the target in effect per period, and the notes
 * on the metric in that range. Same computation as a dashboard tile.
 */
export const metricChart = tenantProcedure
  .meta(requirePermission('metrics:read'))
  .input(seriesInput)
  .output(
    z.object({
      metric: tileMetricOutput,
      view: z.object({ from: z.string(), to: z.string(), previousFrom: z.string(), previousTo: z.string() }),
      grain: z.enum(['day', 'week', 'month', 'quarter']),
      data: seriesDataOutput,
      annotations: z.array(annotationOutput),
    }),
  )
  .query(async ({ ctx, input }) => {
    checkRange(input.from, input.to);
    const m = await selectMetricForChart(ctx.db, ctx.tenant.id, input.key);
    const cal = await orgCalendar(ctx.db, ctx.tenant.id);
    const grain = input.grain ?? m.defaultGrain;
    const view = resolveView({ from: input.from, to: input.to }, grain, 'previous_period', {
      weekStart: cal.weekStart,
      today: localDate(new Date(), cal.timezone),
    });
    refuseTooMany(view, cal.weekStart);
    const metric = { ...m, targets: m.targets ?? [] };
    const [series] = await dashboardSeries(ctx.db, { tenantId: ctx.tenant.id, weekStart: cal.weekStart }, [
      { range: view.range, grain, metrics: [metric] },
    ]);
    const notes = await loadNotes(ctx.db, ctx.tenant.id, { metricIds: [m.id] }, input.from, input.to);
    return {
      metric: {
        key: m.key,
        name: m.name,
        unit: m.unit,
        currency: m.currency,
        aggregation: m.aggregation,
        direction: m.direction,
        formula: m.formula !== null,
      },
      view: {
        from: view.range.current.from,
        to: view.range.current.to,
        previousFrom: view.range.previous.from,
        previousTo: view.range.previous.to,
      },
      grain,
      data: series!.get(m.id)!,
      annotations: notes,
    };
  });
