import type { TenantDb } from '@mfiq/db';
import { metricValues, type MetricDef } from './aggregate.ts';
import { daysBetween, periodOf, type Grain, type Period } from './periods.ts';

export interface TargetDef {
  id: string;
  kind: 'fixed' | 'recurring';
  grain: Grain | null;
  value: number;
  startsOn: string | null;
  endsOn: string | null;
}

export type TargetStatus = 'on_track' | 'at_risk' | 'off_track' | 'no_data';

export interface TargetProgress {
  targetId: string;
  period: Period;
  complete: boolean;
  elapsedDays: number;
  totalDays: number;
  actual: number | null;
  target: number;
  /** actual / target (null when the target is 0 or there is no data). */
  attainment: number | null;
  /** Where the period is headed at the current pace ("on pace for 92% of target"). */
  forecast: number | null;
  forecastAttainment: number | null;
  status: TargetStatus;
}

/** A forecast within 10% of the target, on the wrong side, is at risk; beyond that, off track. */
const AT_RISK_MARGIN = 0.1;

/** The period a target measures on `asOf`, or null when the target is not in effect that day. */
export function targetPeriod(t: TargetDef, asOf: string, weekStart: number): Period | null {
  if (t.kind === 'fixed') {
    if (!t.startsOn || !t.endsOn || asOf < t.startsOn) return null;
    return { start: t.startsOn, end: t.endsOn };
  }
  if ((t.startsOn && asOf < t.startsOn) || (t.endsOn && asOf > t.endsOn)) return null;
  return periodOf(asOf, t.grain!, weekStart);
}

export function statusOf(forecast: number | null, target: number, direction: 'higher' | 'lower'): TargetStatus {
  if (forecast === null) return 'no_data';
  if (direction === 'higher') {
    if (forecast >= target) return 'on_track';
    return forecast >= target - Math.abs(target) * AT_RISK_MARGIN ? 'at_risk' : 'off_track';
  }
  if (forecast <= target) return 'on_track';
  return forecast <= target + Math.abs(target) * AT_RISK_MARGIN ? 'at_risk' : 'off_track';
}

/**
 * Progress of each target in effect on `asOf`. Sums and counts accumulate over a period, so their
 * forecast extrapolates the elapsed days' pace to the whole period; averages, minimums, maximums,
 * last values and formulas are levels, so their forecast is the value so far.
 */
export async function targetProgress(
  db: TenantDb,
  cal: { tenantId: string; weekStart: number },
  metric: MetricDef & { direction: 'higher' | 'lower' },
  targets: TargetDef[],
  asOf: string,
): Promise<TargetProgress[]> {
  const active = targets
    .map((t) => ({ t, period: targetPeriod(t, asOf, cal.weekStart) }))
    .filter((x): x is { t: TargetDef; period: Period } => x.period !== null);
  const buckets = active.map(({ t, period }) => ({
    label: t.id,
    from: period.start,
    to: asOf < period.end ? asOf : period.end,
  }));
  const computed = await metricValues(db, cal.tenantId, metric, buckets);
  // A formula too large to compute (stored before the bounds) shows no progress rather than
  // failing the metric's page, where its formula can be fixed.
  const values = computed instanceof Map ? computed : new Map<string, number | null>();
  const accumulates = !metric.formula && (metric.aggregation === 'sum' || metric.aggregation === 'count');
  return active.map(({ t, period }) => {
    const totalDays = daysBetween(period.start, period.end) + 1;
    const complete = asOf >= period.end;
    const elapsedDays = complete ? totalDays : daysBetween(period.start, asOf) + 1;
    const actual = values.get(t.id) ?? (accumulates ? 0 : null);
    const forecast = actual === null ? null : complete || !accumulates ? actual : (actual * totalDays) / elapsedDays;
    const ratio = (v: number | null) => (v === null || t.value === 0 ? null : v / t.value);
    return {
      targetId: t.id,
      period,
      complete,
      elapsedDays,
      totalDays,
      actual,
      target: t.value,
      attainment: ratio(actual),
      forecast,
      forecastAttainment: ratio(forecast),
      status: statusOf(forecast, t.value, metric.direction),
    };
  });
}
