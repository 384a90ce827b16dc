import type { RouterOutputs } from '@mfiq/api';
import { Form, useSubmit } from '@remix-run/react';
import type { ReactNode } from 'react';
import { rangeLabel } from './format.ts';
import { Tile, type TileData } from './tiles.tsx';

type DashboardData = RouterOutputs['dashboards']['get'];

/** What the grid and header need: a signed-in dashboard or a share link's view of one. */
export interface ViewData {
  dashboard: { name: string } | null;
  range: DashboardData['range'];
  grain: DashboardData['grain'];
  timezone: string;
  tiles: TileData[];
}

export const RANGE_OPTIONS = [
  { value: '7d', label: 'Last 7 days' },
  { value: '30d', label: 'Last 30 days' },
  { value: '90d', label: 'Last 90 days' },
  { value: '6m', label: 'Last 6 months' },
  { value: '12m', label: 'Last 12 months' },
  { value: 'mtd', label: 'Month to date' },
  { value: 'qtd', label: 'Quarter to date' },
  { value: 'ytd', label: 'Year to date' },
] as const;
export const GRAIN_OPTIONS = [
  { value: 'day', label: 'Daily' },
  { value: 'week', label: 'Weekly' },
  { value: 'month', label: 'Monthly' },
  { value: 'quarter', label: 'Quarterly' },
] as const;

/**
 * Date-range and grain pickers: a GET form, so the choice lives in the address (shareable, back
 * button works) and works without JavaScript; with it, a change applies at once.
 */
function Pickers({ data }: { data: ViewData }) {
  const submit = useSubmit();
  const custom = data.range.preset === null;
  return (
    <Form
      method="get"
      className="pickers"
      aria-label="Dashboard period"
      onChange={(e) => {
        const form = e.currentTarget;
        const target = e.target as HTMLInputElement;
        // Dates apply with the button (a half-typed date is not a range yet); choosing a preset
        // leaves custom dates.
        if (target.type === 'date') return;
        if (target.name === 'range') {
          for (const n of ['from', 'to']) {
            const el = form.elements.namedItem(n);
            if (el instanceof HTMLInputElement) el.value = '';
          }
        }
        submit(form, { preventScrollReset: true });
      }}
    >
      <label className="pickers__field">
        <span className="visually-hidden">Date range</span>
        <select
          name="range"
          className="input select"
          defaultValue={custom ? '' : (data.range.preset ?? '')}
          aria-label="Date range"
          key={`r${data.range.preset}`}
        >
          {custom ? <option value="">Custom dates</option> : null}
          {RANGE_OPTIONS.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      </label>
      <label className="pickers__field">
        <span className="visually-hidden">Grain</span>
        <select
          name="grain"
          className="input select"
          defaultValue={data.grain}
          aria-label="Grain"
          key={`g${data.grain}`}
        >
          {GRAIN_OPTIONS.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      </label>
      <details className="pickers__custom" open={custom}>
        <summary>Custom dates</summary>
        <div className="pickers__dates">
          <input
            type="date"
            name="from"
            className="input"
            aria-label="From"
            defaultValue={custom ? data.range.from : ''}
          />
          <span aria-hidden="true">–</span>
          <input type="date" name="to" className="input" aria-label="To" defaultValue={custom ? data.range.to : ''} />
          <button type="submit" className="button button--quiet">
            Apply
          </button>
        </div>
      </details>
      <noscript>
        <button type="submit" className="button button--quiet">
          Apply
        </button>
      </noscript>
    </Form>
  );
}

/** What an editing page adds around a tile: its buttons, drag handlers on its frame, a footer. */
export interface TileExtras {
  actions?: ReactNode;
  frameProps?: Record<string, unknown>;
  footer?: ReactNode;
}

export function DashboardGrid({
  data,
  tileExtras,
  className,
}: {
  data: ViewData;
  tileExtras?: (tile: TileData, index: number) => TileExtras;
  className?: string;
}) {
  const rangeText = rangeLabel(data.range.from, data.range.to);
  return (
    <div className={`dashboard-grid${className ? ` ${className}` : ''}`} data-testid="dashboard-grid">
      {data.tiles.map((tile, i) => (
        <Tile key={tile.id} tile={tile} rangeText={rangeText} {...tileExtras?.(tile, i)} />
      ))}
    </div>
  );
}

export function DashboardHeader({
  data,
  children,
  pickers = true,
}: {
  data: ViewData;
  children?: ReactNode;
  pickers?: boolean;
}) {
  return (
    <div className="dashboard-header">
      <div>
        <h2 className="dashboard-header__title" data-testid="dashboard-name">
          {data.dashboard?.name}
        </h2>
        <p className="muted dashboard-header__range">
          {rangeLabel(data.range.from, data.range.to)} · compared with{' '}
          {rangeLabel(data.range.previousFrom, data.range.previousTo)} · {data.timezone.replace(/_/g, ' ')}
        </p>
      </div>
      <div className="dashboard-header__tools">
        {pickers ? <Pickers data={data} /> : null}
        {children}
      </div>
    </div>
  );
}
