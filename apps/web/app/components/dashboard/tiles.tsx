import type { RouterOutputs } from '@mfiq/api';
import type { ReactNode } from 'react';
import { BarChart, LineChart, ProgressBar, Sparkline, type ChartSeries } from './charts.tsx';
import { formatChange, formatPercent, formatValue, periodLabel, rangeLabel, tone } from './format.ts';

type Grain = 'day' | 'week' | 'month' | 'quarter';
type Status = 'on_track' | 'at_risk' | 'off_track' | 'no_data';

/** A tile with its data, as dashboards.get and the share page return it. */
export type TileData = RouterOutputs['dashboards']['get']['tiles'][number];

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
  frameProps,
}: {
  tile: TileData;
  children: ReactNode;
  actions?: ReactNode;
  frameProps?: Record<string, unknown>;
}) {
  const title = tile.title ?? tile.metric.name;
  const { className: extra, ...rest } = frameProps ?? {};
  return (
    <article
      className={`tile tile--${tile.kind}${tile.width === 2 ? ' tile--wide' : ''}${typeof extra === 'string' && extra ? ` ${extra}` : ''}`}
      data-testid="tile"
      data-metric={tile.metric.key}
      data-tile={tile.id}
      aria-label={title}
      {...rest}
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

/** Which y axis each metric of a chart uses: the first unit on the left, a second one on the right. */
function unitKey(m: TileData['metric']) {
  return m.unit === 'currency' ? `currency:${m.currency ?? ''}` : m.unit;
}

export const PREVIOUS_LABEL = { previous_period: 'Previous period', previous_year: 'Same period last year' } as const;

/** A chart tile's series: its first metric, then the others, each on the axis of its unit. */
export function chartSeries(tile: TileData): ChartSeries[] {
  const first = unitKey(tile.metric);
  return [tile.metric, ...tile.more].map((m, i) => ({
    name: m.name,
    unit: m,
    axis: unitKey(m) === first ? 0 : 1,
    points: (i === 0 ? tile.data : tile.moreData[i - 1]!).points,
  }));
}

function ChartTile({ tile, grain, rangeText }: { tile: TileData; grain: Grain; rangeText: string }) {
  const Chart = tile.kind === 'bar' ? BarChart : LineChart;
  const series = chartSeries(tile);
  const hasTarget = series.some((s) => s.points.some((p) => p.target !== null));
  const previousLabel = PREVIOUS_LABEL[tile.compareTo];
  const names = series.map((s) => s.name).join(', ');
  return (
    <>
      <p className="tile__headline">
        <span className="tile__value tile__value--small">{formatValue(tile.data.total, tile.metric)}</span>{' '}
        <Change tile={tile} />
        {series.length > 1 ? <span className="muted tile__headline-note">{tile.metric.name}</span> : null}
      </p>
      <Chart
        series={series}
        grain={grain}
        showPrevious={tile.showPrevious}
        previousLabel={previousLabel.toLowerCase()}
        label={`${names} by ${grain}, ${rangeText}`}
        notes={tile.annotations}
      />
      <ul className="legend" aria-label="Legend">
        {series.map((s, k) => (
          <li key={s.name + k} className={`legend__item legend__item--s${k}${k === 0 ? ' legend__item--current' : ''}`}>
            {s.name}
            {s.axis === 1 ? <span className="muted"> (right axis)</span> : null}
          </li>
        ))}
        {tile.showPrevious ? <li className="legend__item legend__item--previous">{previousLabel}</li> : null}
        {hasTarget ? <li className="legend__item legend__item--target">Target</li> : null}
        {tile.annotations.length ? <li className="legend__item legend__item--note">Notes</li> : null}
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
  rangeText,
  actions,
  frameProps,
  footer,
}: {
  tile: TileData;
  rangeText: string;
  actions?: ReactNode;
  frameProps?: Record<string, unknown>;
  footer?: ReactNode;
}) {
  // A tile with its own range or grain says so; others show the dashboard's.
  const grain = tile.view.grain;
  const own = tile.range !== null || tile.grain !== null || tile.compareTo !== 'previous_period';
  const text = own ? rangeLabel(tile.view.from, tile.view.to) : rangeText;
  return (
    <TileFrame tile={tile} actions={actions} frameProps={frameProps}>
      {own ? (
        <p className="tile__view muted" data-testid="tile-view">
          {text} · {GRAIN_WORD[grain]}
        </p>
      ) : null}
      {tile.kind === 'number' ? <NumberTile tile={tile} grain={grain} rangeText={text} /> : null}
      {tile.kind === 'line' || tile.kind === 'bar' ? <ChartTile tile={tile} grain={grain} rangeText={text} /> : null}
      {tile.kind === 'table' ? <TableTile tile={tile} grain={grain} /> : null}
      {footer}
    </TileFrame>
  );
}

const GRAIN_WORD = { day: 'daily', week: 'weekly', month: 'monthly', quarter: 'quarterly' } as const;

export { KIND_LABEL };
