import { formatValue, periodLabel, type Unit } from './format.ts';
import {
  areaPath,
  bands,
  barRect,
  labelIndexes,
  linePath,
  periodIndex,
  pointX,
  slots,
  yAxis,
  type YAxis,
} from './scale.ts';

/**
 * Charts as plain SVG rendered on the server: geometry (from d3-scale and d3-shape, scale.ts)
 * lives in attributes and colours in the stylesheet (classes), so nothing needs inline styles or
 * scripts under the CSP, and a chart is complete before any JavaScript runs. Every period carries
 * a <title> (the browser's tooltip) with its values; notes are markers with their text.
 */
export interface ChartPoint {
  start: string;
  end: string;
  partial: boolean;
  value: number | null;
  previous: number | null;
  target: number | null;
}

/** One metric of a chart. Series on axis 1 use the right-hand scale (a second unit). */
export interface ChartSeries {
  name: string;
  unit: Unit;
  axis: 0 | 1;
  points: ChartPoint[];
}

export interface ChartNote {
  date: string;
  body: string;
}

type Grain = 'day' | 'week' | 'month' | 'quarter';

interface ChartProps {
  series: ChartSeries[];
  grain: Grain;
  showPrevious: boolean;
  /** What the comparison is: "previous period" or "same period last year". */
  previousLabel: string;
  label: string;
  notes?: ChartNote[];
}

const W = 640;
const H = 240;
const M = { top: 16, right: 14, bottom: 28, left: 58 };
const RIGHT_AXIS = 58;

function frame(props: ChartProps) {
  const { series, showPrevious } = props;
  const valuesOf = (axis: 0 | 1) =>
    series
      .filter((s) => s.axis === axis)
      .flatMap((s) => s.points.flatMap((p) => [p.value, p.target, showPrevious ? p.previous : null]));
  const dual = series.some((s) => s.axis === 1);
  const right = W - (dual ? RIGHT_AXIS : M.right);
  const left = yAxis(valuesOf(0), H - M.bottom, M.top);
  const rightAxis = dual ? yAxis(valuesOf(1), H - M.bottom, M.top) : null;
  const periods = series[0]?.points ?? [];
  return {
    left,
    rightAxis,
    right,
    periods,
    axisOf: (s: ChartSeries) => (s.axis === 1 && rightAxis ? rightAxis : left),
  };
}

function Axes({
  left,
  rightAxis,
  right,
  periods,
  grain,
  units,
  x,
}: {
  left: YAxis;
  rightAxis: YAxis | null;
  right: number;
  periods: ChartPoint[];
  grain: Grain;
  units: [Unit, Unit | null];
  x: (i: number) => number;
}) {
  const years = new Set(periods.map((p) => p.start.slice(0, 4))).size > 1;
  return (
    <g className="chart__axes">
      {left.ticks.map((t) => (
        <g key={t}>
          <line className="chart__grid" x1={M.left} x2={right} y1={left.y(t)} y2={left.y(t)} />
          <text className="chart__tick" x={M.left - 8} y={left.y(t)} dy="0.32em" textAnchor="end">
            {formatValue(t, units[0], { compact: true })}
          </text>
        </g>
      ))}
      {rightAxis && units[1]
        ? rightAxis.ticks.map((t) => (
            <text
              key={`r${t}`}
              className="chart__tick chart__tick--right"
              x={right + 8}
              y={rightAxis.y(t)}
              dy="0.32em"
              textAnchor="start"
            >
              {formatValue(t, units[1]!, { compact: true })}
            </text>
          ))
        : null}
      {labelIndexes(periods.length, 6).map((i) => (
        <text key={i} className="chart__tick" x={x(i)} y={H - 8} textAnchor={x(i) > right - 30 ? 'end' : 'middle'}>
          {periodLabel(periods[i]!.start, grain, { year: years && grain === 'month' })}
        </text>
      ))}
    </g>
  );
}

/** The tooltip of one period: every series' value, its comparison and target. */
function tip(props: ChartProps, i: number) {
  const { series, grain, showPrevious, previousLabel } = props;
  const p0 = series[0]!.points[i]!;
  const head = `${periodLabel(p0.start, grain, { year: true })}${p0.partial ? ' (so far)' : ''}`;
  const parts = series.map((s) => {
    const p = s.points[i]!;
    const bits = [`${series.length > 1 ? `${s.name} ` : ''}${formatValue(p.value, s.unit, { compact: false })}`];
    if (showPrevious && p.previous !== null)
      bits.push(`${previousLabel} ${formatValue(p.previous, s.unit, { compact: false })}`);
    if (p.target !== null) bits.push(`target ${formatValue(p.target, s.unit, { compact: false })}`);
    return bits.join(' · ');
  });
  return `${head}: ${parts.join('; ')}`;
}

/** Targets as step lines: they may change from one period to the next. */
function TargetLine({
  points,
  x,
  y,
  half,
  index,
}: {
  points: ChartPoint[];
  x: (i: number) => number;
  y: (v: number) => number;
  half: number;
  index: number;
}) {
  const segs = points
    .map((p, i) =>
      p.target === null ? null : `M${(x(i) - half).toFixed(1)},${y(p.target).toFixed(1)}H${(x(i) + half).toFixed(1)}`,
    )
    .filter(Boolean);
  if (!segs.length) return null;
  return <path className={`chart__target chart__target--s${index}`} d={segs.join('')} data-testid="chart-target" />;
}

/** Notes as dashed vertical markers at their period, each with its text as a tooltip. */
function Notes({ notes, periods, x }: { notes: ChartNote[]; periods: ChartPoint[]; x: (i: number) => number }) {
  const placed = notes
    .map((n) => ({ ...n, i: periodIndex(periods, n.date) }))
    .filter((n) => n.i >= 0)
    .map((n, k) => ({ ...n, k }));
  if (!placed.length) return null;
  return (
    <g className="chart__notes">
      {placed.map((n) => (
        <g key={`${n.date}${n.k}`} className="chart__note" data-testid="chart-note" data-date={n.date}>
          <line className="chart__note-line" x1={x(n.i)} x2={x(n.i)} y1={M.top - 4} y2={H - M.bottom} />
          <circle className="chart__note-dot" cx={x(n.i)} cy={M.top - 6} r={5} />
          <title>{`${n.date}: ${n.body}`}</title>
        </g>
      ))}
    </g>
  );
}

function Hover({ props, x, half }: { props: ChartProps; x: (i: number) => number; half: number }) {
  // Wide invisible hover targets, so a thin line still has a tooltip for each period.
  return (
    <>
      {props.series[0]!.points.map((p, i) => (
        <rect
          key={`h${p.start}`}
          className="chart__hover"
          x={x(i) - half}
          y={M.top}
          width={half * 2}
          height={H - M.top - M.bottom}
        >
          <title>{tip(props, i)}</title>
        </rect>
      ))}
    </>
  );
}

function unitsOf(series: ChartSeries[]): [Unit, Unit | null] {
  return [series.find((s) => s.axis === 0)?.unit ?? series[0]!.unit, series.find((s) => s.axis === 1)?.unit ?? null];
}

export function LineChart(props: ChartProps) {
  const { series, grain, showPrevious, label, notes = [] } = props;
  if (!series.length) return null;
  const { left, rightAxis, right, periods, axisOf } = frame(props);
  const n = periods.length;
  const x = pointX(n, M.left + 6, right - 6);
  const half = n > 1 ? (x(1) - x(0)) / 2 : 20;
  const single = series.length === 1;
  return (
    <svg className="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label}>
      <Axes
        left={left}
        rightAxis={rightAxis}
        right={right}
        periods={periods}
        grain={grain}
        units={unitsOf(series)}
        x={x}
      />
      {series.map((s, k) => {
        const { y } = axisOf(s);
        const cur = s.points.map((p, i) => ({ x: x(i), y: p.value === null ? null : y(p.value) }));
        const prev = s.points.map((p, i) => ({ x: x(i), y: p.previous === null ? null : y(p.previous) }));
        const lastIdx = s.points.map((p) => p.value !== null).lastIndexOf(true);
        return (
          <g key={s.name + k} className={`chart__series chart__series--s${k}`} data-series={k}>
            {single ? <path className="chart__area" d={areaPath(cur, y(Math.max(left.min, 0)))} /> : null}
            {showPrevious ? (
              <path
                className={`chart__previous chart__previous--s${k}`}
                d={linePath(prev)}
                data-testid="chart-previous"
              />
            ) : null}
            <TargetLine points={s.points} x={x} y={y} half={half} index={k} />
            <path className={`chart__line chart__line--s${k}`} d={linePath(cur)} />
            {s.points.map((p, i) =>
              p.value === null ? null : (
                <circle
                  key={p.start}
                  className={`chart__dot chart__dot--s${k}${i === lastIdx ? ' chart__dot--last' : ''}${p.partial ? ' chart__dot--partial' : ''}`}
                  cx={x(i)}
                  cy={y(p.value)}
                  r={i === lastIdx ? 4 : n > 60 ? 0 : 2.5}
                  data-period={p.start}
                  data-value={p.value}
                >
                  <title>{tip(props, i)}</title>
                </circle>
              ),
            )}
          </g>
        );
      })}
      <Notes notes={notes} periods={periods} x={x} />
      <Hover props={props} x={x} half={half} />
    </svg>
  );
}

export function BarChart(props: ChartProps) {
  const { series, showPrevious, label, grain, notes = [] } = props;
  if (!series.length) return null;
  const { left, rightAxis, right, periods, axisOf } = frame(props);
  const band = bands(periods.length, M.left, right);
  // One slot per series, and one more per series for its comparison.
  const perSeries = showPrevious ? 2 : 1;
  const slot = slots(band.width, series.length * perSeries);
  return (
    <svg className="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label}>
      <Axes
        left={left}
        rightAxis={rightAxis}
        right={right}
        periods={periods}
        grain={grain}
        units={unitsOf(series)}
        x={band.center}
      />
      {series.map((s, k) => {
        const { y } = axisOf(s);
        return (
          <g key={s.name + k} className={`chart__series chart__series--s${k}`} data-series={k}>
            {s.points.map((p, i) => {
              const at = (j: number) => band.center(i) + slot.offset(k * perSeries + j);
              return (
                <g key={p.start}>
                  {showPrevious && p.previous !== null ? (
                    <rect
                      className={`chart__bar chart__bar--previous chart__bar--previous-s${k}`}
                      x={at(0)}
                      width={slot.width}
                      {...barRect(p.previous, y)}
                    />
                  ) : null}
                  {p.value !== null ? (
                    <rect
                      className={`chart__bar chart__bar--s${k}${p.partial ? ' chart__bar--partial' : ''}`}
                      x={at(perSeries - 1)}
                      width={slot.width}
                      {...barRect(p.value, y)}
                      data-period={p.start}
                      data-value={p.value}
                    >
                      <title>{tip(props, i)}</title>
                    </rect>
                  ) : null}
                </g>
              );
            })}
            <TargetLine points={s.points} x={band.center} y={y} half={band.width / 2} index={k} />
          </g>
        );
      })}
      <line className="chart__zero" x1={M.left} x2={right} y1={left.y(0)} y2={left.y(0)} />
      <Notes notes={notes} periods={periods} x={band.center} />
    </svg>
  );
}

/** A small trend line without axes for number cards. */
export function Sparkline({ values, label }: { values: (number | null)[]; label: string }) {
  const w = 160;
  const h = 40;
  const xs = values.filter((v): v is number => v !== null);
  const min = xs.length ? Math.min(...xs) : 0;
  const max = xs.length ? Math.max(...xs) : 1;
  const x = pointX(values.length, 2, w - 2);
  const span = max === min ? 1 : max - min;
  const y = (v: number) => h - 3 - ((v - min) / span) * (h - 6);
  const pts = values.map((v, i) => ({ x: x(i), y: v === null ? null : y(v) }));
  const last = [...pts].reverse().find((p) => p.y !== null);
  return (
    <svg className="sparkline" viewBox={`0 0 ${w} ${h}`} role="img" aria-label={label} preserveAspectRatio="none">
      <path className="sparkline__line" d={linePath(pts)} />
      {last ? <circle className="sparkline__dot" cx={last.x} cy={last.y!} r={2.5} /> : null}
    </svg>
  );
}

/** Target attainment as a bar; the marker is the pace forecast. */
export function ProgressBar({
  attainment,
  forecast,
  status,
}: {
  attainment: number | null;
  forecast: number | null;
  status: string;
}) {
  const clamp = (v: number | null) => Math.max(0, Math.min(100, (v ?? 0) * 100));
  return (
    <svg className={`progress progress--${status}`} viewBox="0 0 100 8" preserveAspectRatio="none" aria-hidden="true">
      <rect className="progress__track" x={0} y={0} width={100} height={8} rx={4} />
      <rect className="progress__fill" x={0} y={0} width={clamp(attainment)} height={8} rx={4} />
      {forecast !== null ? (
        <rect className="progress__pace" x={Math.min(99, clamp(forecast))} y={0} width={1.2} height={8} />
      ) : null}
    </svg>
  );
}

export const CHART_SIZE = { width: W, height: H };
