import { conditionProblem } from '../../alerts/conditions.ts';
import { previewRule } from '../../alerts/preview.ts';
import { AppError } from '../../errors.ts';
import { localDate } from '../../metrics/periods.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { orgCalendar } from '../metrics/calendar.ts';
import { findMetric } from '../metrics/query.ts';
import { previewInput, previewOutput } from './schemas.ts';

/**
 * The rule editor's live preview: the periods of the last 90 days on which a draft rule would have
 * fired, from history, by the worker's own judging code. Bounded: at most 90 days, plus the
 * comparison periods and anomaly window a rule reads (capped per grain).
 */
export const preview = tenantProcedure
  .meta(requirePermission('alerts:manage'))
  .input(previewInput)
  .output(previewOutput)
  .query(async ({ ctx, input }) => {
    const problem = conditionProblem(input.condition, input.grain);
    if (problem) throw new AppError('INVALID', problem, { fieldErrors: { 'condition.window': [problem] } });
    const metric = await findMetric(ctx.db, ctx.tenant.id, input.metricKey);
    const cal = await orgCalendar(ctx.db, ctx.tenant.id);
    const now = ctx.auth.now();
    return previewRule(
      ctx.db,
      ctx.tenant.id,
      { metric, grain: input.grain, condition: input.condition },
      {
        slug: ctx.tenant.slug,
        timezone: cal.timezone,
        weekStart: cal.weekStart,
        today: localDate(now, cal.timezone),
        now,
      },
    );
  });
