import { Resvg } from '@resvg/resvg-js';
import { renderToStaticMarkup } from 'react-dom/server';
import { BarChart, CHART_SIZE, LineChart, type ChartNote, type ChartSeries } from '../components/dashboard/charts.tsx';
import { periodLabel, rangeLabel } from '../components/dashboard/format.ts';
import { csvRow } from './csv.ts';

/** What one exported chart holds: a tile's or a metric page's series, as the page shows them. */
export interface ChartExport {
  title: string;
  grain: 'day' | 'week' | 'month' | 'quarter';
  kind: 'line' | 'bar';
  from: string;
  to: string;
  /** Metric keys, one per series (CSV column names). */
  keys: string[];
  series: ChartSeries[];
  showPrevious: boolean;
  previousLabel: string;
  notes: ChartNote[];
}

/**
 * The series as CSV: one row per period with each metric's value, comparison and target. Every
 * cell goes through csvCell, so a metric named "=HYPERLINK(...)" arrives as text, not a formula.
 */
function chartCsv(c: ChartExport): string {
  const header = ['period_start', 'period_end', 'partial'];
  c.series.forEach((s, i) => header.push(`${s.name} (${c.keys[i]})`, `${c.keys[i]}_previous`, `${c.keys[i]}_target`));
  const rows = c.series[0]!.points.map((p, i) => {
    const cells: unknown[] = [p.start, p.end, p.partial];
    for (const s of c.series) cells.push(s.points[i]!.value, s.points[i]!.previous, s.points[i]!.target);
    return csvRow(cells);
  });
  return `${[csvRow(header), ...rows].join('\r\n')}\r\n`;
}

// The page's chart colours (the stylesheet's light theme), inside the file: a downloaded SVG has
// no stylesheet, and the PNG rasterizer reads only the file.
const EXPORT_CSS = `
text{font-family:'DejaVu Sans','Liberation Sans',Arial,sans-serif}
.export__title{font-size:16px;font-weight:700;fill:#172033}
.export__sub,.chart__tick{font-size:11px;fill:#5b6579}
.chart__grid{stroke:#e9edf4;stroke-width:1}
.chart__zero{stroke:#c5cddc;stroke-width:1}
.chart__line,.chart__previous,.chart__target,.chart__note-line{fill:none}
.chart__line{stroke:#1f4fd1;stroke-width:2.25;stroke-linejoin:round;stroke-linecap:round}
.chart__line--s1{stroke:#0f8f7e}.chart__line--s2{stroke:#8b3fd9}.chart__line--s3{stroke:#d0246f}
.chart__area{fill:#1f4fd1;fill-opacity:0.08}
.chart__previous{stroke:#9aa4b8;stroke-width:1.5;stroke-dasharray:4 3}
.chart__previous--s1{stroke:#0f8f7e;stroke-opacity:0.55}.chart__previous--s2{stroke:#8b3fd9;stroke-opacity:0.55}.chart__previous--s3{stroke:#d0246f;stroke-opacity:0.55}
.chart__target{stroke:#b45309;stroke-width:1.75;stroke-dasharray:6 4}
.chart__dot{fill:#fff;stroke:#1f4fd1;stroke-width:1.5}.chart__dot--last{fill:#1f4fd1}
.chart__dot--s1{stroke:#0f8f7e}.chart__dot--s2{stroke:#8b3fd9}.chart__dot--s3{stroke:#d0246f}
.chart__hover{fill:none}
.chart__bar{fill:#1f4fd1}.chart__bar--partial{fill:#8fa8ea}.chart__bar--previous{fill:#d3d9e5}
.chart__bar--s1{fill:#0f8f7e}.chart__bar--s2{fill:#8b3fd9}.chart__bar--s3{fill:#d0246f}
.chart__bar--previous-s1,.chart__bar--previous-s2,.chart__bar--previous-s3{fill-opacity:0.35}
.chart__note-line{stroke:#64748b;stroke-width:1.25;stroke-dasharray:2 3}
.chart__note-dot{fill:#fff;stroke:#64748b;stroke-width:1.5}
.export__swatch{stroke-width:3}
`;
const SWATCH = ['#1f4fd1', '#0f8f7e', '#8b3fd9', '#d0246f'];
const HEAD = 44;
const FOOT = 30;

/** A standalone SVG file: title, the chart exactly as on the page, and a legend. */
function chartSvg(c: ChartExport): string {
  const Chart = c.kind === 'bar' ? BarChart : LineChart;
  const { width, height } = CHART_SIZE;
  const total = HEAD + height + FOOT;
  const label = `${c.title} by ${c.grain}, ${rangeLabel(c.from, c.to)}`;
  const legend = [...c.series.map((s, i) => ({ name: s.name, color: SWATCH[i]! }))];
  if (c.showPrevious) legend.push({ name: c.previousLabel, color: '#9aa4b8' });
  const markup = renderToStaticMarkup(
    <svg xmlns="http://www.w3.org/2000/svg" width={width} height={total} viewBox={`0 0 ${width} ${total}`}>
      <title>{label}</title>
      <style dangerouslySetInnerHTML={{ __html: EXPORT_CSS }} />
      <rect x={0} y={0} width={width} height={total} fill="#ffffff" />
      <text className="export__title" x={16} y={22}>
        {c.title}
      </text>
      <text className="export__sub" x={16} y={38}>
        {`${rangeLabel(c.from, c.to)} · by ${c.grain} · ${periodLabel(c.from, c.grain, { year: true })} onwards`}
      </text>
      <svg x={0} y={HEAD} width={width} height={height}>
        <Chart
          series={c.series}
          grain={c.grain}
          showPrevious={c.showPrevious}
          previousLabel={c.previousLabel}
          label={label}
          notes={c.notes}
        />
      </svg>
      {legend.map((l, i) => (
        <g key={l.name + i} transform={`translate(${16 + i * 150}, ${HEAD + height + 16})`}>
          <line className="export__swatch" x1={0} x2={14} y1={0} y2={0} stroke={l.color} />
          <text className="chart__tick" x={20} y={4}>
            {l.name.length > 22 ? `${l.name.slice(0, 21)}…` : l.name}
          </text>
        </g>
      ))}
    </svg>,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n${markup}`;
}

/** The same chart as a PNG, rasterized on the server by resvg at twice the SVG's size. */
function chartPng(c: ChartExport): Buffer {
  const resvg = new Resvg(chartSvg(c), {
    fitTo: { mode: 'width', value: CHART_SIZE.width * 2 },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
    background: '#ffffff',
  });
  return resvg.render().asPng();
}

/** A file name from a title: letters, digits and dashes only. */
function fileName(title: string, ext: string): string {
  const base = title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return `${base || 'chart'}.${ext}`;
}

const FORMATS = new Set(['csv', 'svg', 'png']);
export const isExportFormat = (v: string | null): v is 'csv' | 'svg' | 'png' => v !== null && FORMATS.has(v);

/** The download response for one format. */
export function exportResponse(c: ChartExport, format: 'csv' | 'svg' | 'png'): Response {
  const headers = {
    'Content-Disposition': `attachment; filename="${fileName(c.title, format)}"`,
    'Cache-Control': 'no-store',
  };
  switch (format) {
    case 'csv':
      return new Response(chartCsv(c), { headers: { ...headers, 'Content-Type': 'text/csv; charset=utf-8' } });
    case 'svg':
      return new Response(chartSvg(c), { headers: { ...headers, 'Content-Type': 'image/svg+xml; charset=utf-8' } });
    case 'png':
      return new Response(new Uint8Array(chartPng(c)), { headers: { ...headers, 'Content-Type': 'image/png' } });
  }
}
