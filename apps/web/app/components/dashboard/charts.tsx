import { formatValue, periodLabel, type Unit } from './format.ts';
import { labelIndexes, linear, linePath, yDomain } from './scale.ts';

/**
 * Charts as plain SVG rendered on the server: geometry lives in attributes and colours in the
 * stylesheet (classes), so nothing needs inline styles or scripts under the CSP, and a chart is
 * complete before any JavaScript runs. Every point carries a <title> (the browser's tooltip) with
 * its period and value.
 */
export interface ChartPoint {
  start: string;
  partial: boolean;
  value: number | null;
  previous: number | null;
  target: number | null;
}

interface ChartProps {
  points: ChartPoint[];
  grain: 'day' | 'week' | 'month' | 'quarter';
  unit: Unit;
  showPrevious: boolean;
  label: string;
}

const W = 640;
const H = 240;
const M = { top: 14, right: 14, bottom: 28, left: 58 };

function frame(props: ChartProps) {
  const { points, showPrevious } = props;
  const all = points.flatMap((p) => [p.value, p.target, showPrevious ? p.previous : null]);
  const { ticks, min, max } = yDomain(all);
  const y = linear(min, max, H - M.bottom, M.top);
  return { ticks, y };
}

function Axes({
  ticks,
  y,
  points,
  grain,
  unit,
  x,
}: {
  ticks: number[];
  y: (v: number) => number;
  points: ChartPoint[];
  grain: ChartProps['grain'];
  unit: Unit;
  x: (i: number) => number;
}) {
  const years = new Set(points.map((p) => p.start.slice(0, 4))).size > 1;
  return (
    <g className="chart__axes">
      {ticks.map((t) => (
        <g key={t}>
          <line className="chart__grid" x1={M.left} x2={W - M.right} y1={y(t)} y2={y(t)} />
          <text className="chart__tick" x={M.left - 8} y={y(t)} dy="0.32em" textAnchor="end">
            {formatValue(t, unit, { compact: true })}
          </text>
        </g>
      ))}
      {labelIndexes(points.length, 6).map((i) => (
        <text
          key={i}
          className="chart__tick"
          x={x(i)}
          y={H - 8}
          textAnchor={x(i) > W - M.right - 30 ? 'end' : 'middle'}
        >
          {periodLabel(points[i]!.start, grain, { year: years && grain === 'month' })}
        </text>
      ))}
    </g>
  );
}

function tip(p: ChartPoint, grain: ChartProps['grain'], unit: Unit, showPrevious: boolean) {
  const parts = [
    `${periodLabel(p.start, grain, { year: true })}${p.partial ? ' (so far)' : ''}: ${formatValue(p.value, unit, { compact: false })}`,
  ];
  if (showPrevious && p.previous !== null)
    parts.push(`previous period ${formatValue(p.previous, unit, { compact: false })}`);
  if (p.target !== null) parts.push(`target ${formatValue(p.target, unit, { compact: false })}`);
  return parts.join(' · ');
}

/** The target as a step line: targets may change from one period to the next. */
function TargetLine({
  points,
  x,
  y,
  half,
}: {
  points: ChartPoint[];
  x: (i: number) => number;
  y: (v: number) => number;
  half: number;
}) {
  const segs = points
    .map((p, i) =>
      p.target === null ? null : `M${(x(i) - half).toFixed(1)},${y(p.target).toFixed(1)}H${(x(i) + half).toFixed(1)}`,
    )
    .filter(Boolean);
  if (!segs.length) return null;
  return <path className="chart__target" d={segs.join('')} data-testid="chart-target" />;
}

export function LineChart(props: ChartProps) {
  const { points, grain, unit, showPrevious, label } = props;
  const { ticks, y } = frame(props);
  const n = points.length;
  const x = linear(0, Math.max(1, n - 1), M.left + 6, W - M.right - 6);
  const cur = points.map((p, i) => (p.value === null ? null : { x: x(i), y: y(p.value) }));
  const prev = points.map((p, i) => (p.previous === null ? null : { x: x(i), y: y(p.previous) }));
  const line = linePath(cur);
  const base = y(Math.max(ticks[0]!, 0));
  const firstIdx = cur.findIndex(Boolean);
  const lastIdx = cur.length - 1 - [...cur].reverse().findIndex(Boolean);
  const area =
    firstIdx >= 0 && cur.every((c, i) => c !== null || i < firstIdx || i > lastIdx)
      ? `${line}L${cur[lastIdx]!.x.toFixed(1)},${base}L${cur[firstIdx]!.x.toFixed(1)},${base}Z`
      : null;
  const half = n > 1 ? (x(1) - x(0)) / 2 : 20;
  return (
    <svg className="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label}>
      <Axes ticks={ticks} y={y} points={points} grain={grain} unit={unit} x={x} />
      {area ? <path className="chart__area" d={area} /> : null}
      {showPrevious ? <path className="chart__previous" d={linePath(prev)} data-testid="chart-previous" /> : null}
      <TargetLine points={points} x={x} y={y} half={half} />
      <path className="chart__line" d={line} />
      {points.map((p, i) =>
        p.value === null ? null : (
          <circle
            key={p.start}
            className={`chart__dot${i === lastIdx ? ' chart__dot--last' : ''}${p.partial ? ' chart__dot--partial' : ''}`}
            cx={x(i)}
            cy={y(p.value)}
            r={i === lastIdx ? 4 : n > 60 ? 0 : 2.5}
            data-period={p.start}
            data-value={p.value}
          >
            <title>{tip(p, grain, unit, showPrevious)}</title>
          </circle>
        ),
      )}
      {/* Wide invisible hover targets, so a thin line still has a tooltip for each period. */}
      {points.map((p, i) => (
        <rect
          key={`h${p.start}`}
          className="chart__hover"
          x={x(i) - half}
          y={M.top}
          width={half * 2}
          height={H - M.top - M.bottom}
        >
          <title>{tip(p, grain, unit, showPrevious)}</title>
        </rect>
      ))}
    </svg>
  );
}

export function BarChart(props: ChartProps) {
  const { points, grain, unit, showPrevious, label } = props;
  const { ticks, y } = frame(props);
  const n = Math.max(1, points.length);
  const band = (W - M.left - M.right) / n;
  const x = (i: number) => M.left + band * (i + 0.5);
  const base = y(Math.max(ticks[0]!, 0));
  const bw = Math.max(1, band * (showPrevious ? 0.42 : 0.7));
  return (
    <svg className="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label}>
      <Axes ticks={ticks} y={y} points={points} grain={grain} unit={unit} x={x} />
      {points.map((p, i) => (
        <g key={p.start}>
          {showPrevious && p.previous !== null ? (
            <rect
              className="chart__bar chart__bar--previous"
              x={x(i) - bw}
              y={Math.min(y(p.previous), base)}
              width={bw}
              height={Math.abs(base - y(p.previous))}
            />
          ) : null}
          {p.value !== null ? (
            <rect
              className={`chart__bar${p.partial ? ' chart__bar--partial' : ''}`}
              x={showPrevious ? x(i) : x(i) - bw / 2}
              y={Math.min(y(p.value), base)}
              width={bw}
              height={Math.max(0.5, Math.abs(base - y(p.value)))}
              data-period={p.start}
              data-value={p.value}
            >
              <title>{tip(p, grain, unit, showPrevious)}</title>
            </rect>
          ) : null}
        </g>
      ))}
      <TargetLine points={points} x={x} y={y} half={band / 2} />
    </svg>
  );
}

/** A small trend line without axes for number cards. */
export function Sparkline({ values, label }: { values: (number | null)[]; label: string }) {
  const w = 160;
  const h = 40;
  const { min, max } = (() => {
    const xs = values.filter((v): v is number => v !== null);
    return xs.length ? { min: Math.min(...xs), max: Math.max(...xs) } : { min: 0, max: 1 };
  })();
  const x = linear(0, Math.max(1, values.length - 1), 2, w - 2);
  const y = linear(min, max === min ? min + 1 : max, h - 3, 3);
  const pts = values.map((v, i) => (v === null ? null : { x: x(i), y: y(v) }));
  const last = [...pts].reverse().find(Boolean);
  return (
    <svg className="sparkline" viewBox={`0 0 ${w} ${h}`} role="img" aria-label={label} preserveAspectRatio="none">
      <path className="sparkline__line" d={linePath(pts)} />
      {last ? <circle className="sparkline__dot" cx={last.x} cy={last.y} r={2.5} /> : null}
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
