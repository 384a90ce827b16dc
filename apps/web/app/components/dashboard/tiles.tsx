import type { ReactNode } from 'react';
import { BarChart, LineChart, ProgressBar, Sparkline } from './charts.tsx';
import { formatChange, formatPercent, formatValue, periodLabel, tone } from './format.ts';

type Grain = 'day' | 'week' | 'month' | 'quarter';
type Status = 'on_track' | 'at_risk' | 'off_track' | 'no_data';

export interface TileData {
  id: string;
  kind: 'number' | 'line' | 'bar' | 'table';
  title: string | null;
  showPrevious: boolean;
  metric: {
    key: string;
    name: string;
    unit: 'number' | 'currency' | 'percent' | 'duration';
    currency: string | null;
    direction: 'higher' | 'lower';
    aggregation: string;
    formula: boolean;
  };
  data: {
    total: number | null;
    previousTotal: number | null;
    change: number | null;
    points: {
      start: string;
      end: string;
      partial: boolean;
      value: number | null;
      previous: number | null;
      target: number | null;
    }[];
    target: {
      period: { start: string; end: string };
      complete: boolean;
      actual: number | null;
      target: number;
      attainment: number | null;
      forecast: number | null;
      forecastAttainment: number | null;
      status: Status;
    } | null;
  };
}

/** "Nov 2026", "Q4 2026", or the dates of a fixed target's range. */
function periodName(p: { start: string; end: string }): string {
  const next = new Date(`${p.end}T00:00:00Z`);
  next.setUTCDate(next.getUTCDate() + 1);
  const startsMonth = p.start.endsWith('-01') && next.getUTCDate() === 1;
  const months = startsMonth
    ? (next.getUTCFullYear() - Number(p.start.slice(0, 4))) * 12 +
      next.getUTCMonth() -
      (Number(p.start.slice(5, 7)) - 1)
    : 0;
  if (months === 1) return periodLabel(p.start, 'month', { year: true });
  if (months === 3 && (Number(p.start.slice(5, 7)) - 1) % 3 === 0) return periodLabel(p.start, 'quarter');
  return p.start === p.end
    ? periodLabel(p.start, 'day')
    : `${periodLabel(p.start, 'day')} – ${periodLabel(p.end, 'day')}`;
}

const STATUS: Record<Status, string> = {
  on_track: 'On track',
  at_risk: 'At risk',
  off_track: 'Off track',
  no_data: 'No data',
};
const KIND_LABEL = { number: 'Number', line: 'Line chart', bar: 'Bar chart', table: 'Table' } as const;

function Change({ tile }: { tile: TileData }) {
  const t = tone(tile.data.change, tile.metric.direction);
  const arrow = tile.data.change === null || t === 'flat' ? '' : tile.data.change > 0 ? '▲ ' : '▼ ';
  return (
    <span className={`change change--${t}`} data-testid="tile-change">
      {arrow}
      {formatChange(tile.data.change)}
    </span>
  );
}

function TargetProgress({ tile }: { tile: TileData }) {
  const t = tile.data.target;
  if (!t) return null;
  const u = tile.metric;
  const accumulates = !u.formula && (u.aggregation === 'sum' || u.aggregation === 'count');
  return (
    <div className="tile__target" data-testid="tile-target">
      <div className="tile__target-row">
        <span>
          {accumulates
            ? `${formatPercent(t.attainment)} of ${formatValue(t.target, u)}`
            : `Target ${formatValue(t.target, u)}`}
          <span className="muted"> · {periodName(t.period)}</span>
        </span>
        <span className={`status status--${t.status}`}>{STATUS[t.status]}</span>
      </div>
      <ProgressBar attainment={t.attainment} forecast={accumulates ? t.forecastAttainment : null} status={t.status} />
      {accumulates && !t.complete && t.forecastAttainment !== null ? (
        <p className="tile__pace muted">On pace for {formatPercent(t.forecastAttainment)} of target</p>
      ) : null}
    </div>
  );
}

function TileFrame({
  tile,
  children,
  actions,
  wide,
}: {
  tile: TileData;
  children: ReactNode;
  actions?: ReactNode;
  wide: boolean;
}) {
  const title = tile.title ?? tile.metric.name;
  return (
    <article
      className={`tile tile--${tile.kind}${wide ? ' tile--wide' : ''}`}
      data-testid="tile"
      data-metric={tile.metric.key}
      aria-label={title}
    >
      <header className="tile__header">
        <h3 className="tile__title">{title}</h3>
        {actions}
      </header>
      {children}
    </article>
  );
}

function NumberTile({ tile, grain, rangeText }: { tile: TileData; grain: Grain; rangeText: string }) {
  return (
    <>
      <p className="tile__value" data-testid="tile-value">
        {formatValue(tile.data.total, tile.metric)}
      </p>
      <p className="tile__sub">
        <Change tile={tile} /> <span className="muted">vs previous period</span>
      </p>
      <Sparkline
        values={tile.data.points.map((p) => p.value)}
        label={`${tile.metric.name} by ${grain}, ${rangeText}`}
      />
      <TargetProgress tile={tile} />
    </>
  );
}

function ChartTile({ tile, grain, rangeText }: { tile: TileData; grain: Grain; rangeText: string }) {
  const Chart = tile.kind === 'bar' ? BarChart : LineChart;
  const hasTarget = tile.data.points.some((p) => p.target !== null);
  return (
    <>
      <p className="tile__headline">
        <span className="tile__value tile__value--small">{formatValue(tile.data.total, tile.metric)}</span>{' '}
        <Change tile={tile} />
      </p>
      <Chart
        points={tile.data.points}
        grain={grain}
        unit={tile.metric}
        showPrevious={tile.showPrevious}
        label={`${tile.metric.name} by ${grain}, ${rangeText}`}
      />
      <ul className="legend" aria-label="Legend">
        <li className="legend__item legend__item--current">{tile.metric.name}</li>
        {tile.showPrevious ? <li className="legend__item legend__item--previous">Previous period</li> : null}
        {hasTarget ? <li className="legend__item legend__item--target">Target</li> : null}
      </ul>
    </>
  );
}

function TableTile({ tile, grain }: { tile: TileData; grain: Grain }) {
  const rows = [...tile.data.points].reverse().slice(0, 12);
  const hasTarget = rows.some((p) => p.target !== null);
  return (
    <div className="tile__scroll">
      <table className="table table--compact" data-testid="tile-table">
        <thead>
          <tr>
            <th scope="col">Period</th>
            <th scope="col" className="num">
              Value
            </th>
            {tile.showPrevious ? (
              <th scope="col" className="num">
                Previous
              </th>
            ) : null}
            <th scope="col" className="num">
              Change
            </th>
            {hasTarget ? (
              <th scope="col" className="num">
                Target
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {rows.map((p) => {
            const ch =
              p.value === null || p.previous === null || p.previous === 0
                ? null
                : (p.value - p.previous) / Math.abs(p.previous);
            return (
              <tr key={p.start}>
                <td>
                  {periodLabel(p.start, grain, { year: grain === 'month' })}
                  {p.partial ? <span className="muted"> (so far)</span> : null}
                </td>
                <td className="num">{formatValue(p.value, tile.metric)}</td>
                {tile.showPrevious ? <td className="num muted">{formatValue(p.previous, tile.metric)}</td> : null}
                <td className={`num change--${tone(ch, tile.metric.direction)}`}>{formatChange(ch)}</td>
                {hasTarget ? <td className="num muted">{formatValue(p.target, tile.metric)}</td> : null}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export function Tile({
  tile,
  grain,
  rangeText,
  actions,
}: {
  tile: TileData;
  grain: Grain;
  rangeText: string;
  actions?: ReactNode;
}) {
  return (
    <TileFrame tile={tile} actions={actions} wide={tile.kind !== 'number'}>
      {tile.kind === 'number' ? <NumberTile tile={tile} grain={grain} rangeText={rangeText} /> : null}
      {tile.kind === 'line' || tile.kind === 'bar' ? (
        <ChartTile tile={tile} grain={grain} rangeText={rangeText} />
      ) : null}
      {tile.kind === 'table' ? <TableTile tile={tile} grain={grain} /> : null}
    </TileFrame>
  );
}

export { KIND_LABEL };
