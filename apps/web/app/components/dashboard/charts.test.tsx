import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { BarChart, LineChart, type ChartPoint, type ChartSeries } from './charts.tsx';
import { areaPath, barRect, bands, labelIndexes, linePath, periodIndex, pointX, slots, yAxis } from './scale.ts';

/** Chart geometry: what the scales and paths put on the page for awkward data. */
const num = { unit: 'number' as const, currency: null };
const eur = { unit: 'currency' as const, currency: 'EUR' };
const weeks = (values: (number | null)[], opts: { partialLast?: boolean } = {}): ChartPoint[] =>
  values.map((value, i) => {
    const start = new Date(Date.UTC(2024, 0, 1 + 7 * i)).toISOString().slice(0, 10);
    const end = new Date(Date.UTC(2024, 0, 7 + 7 * i)).toISOString().slice(0, 10);
    return {
      start,
      end,
      partial: Boolean(opts.partialLast) && i === values.length - 1,
      value,
      previous: null,
      target: null,
    };
  });
const render = (el: React.ReactElement) => renderToStaticMarkup(el);
const attrs = (html: string, selector: RegExp, attr: string) =>
  [...html.matchAll(selector)].map((m) => new RegExp(`${attr}="([^"]*)"`).exec(m[0])?.[1]);

describe('y axis', () => {
  it('starts at zero for positive data and widens to round ticks', () => {
    const a = yAxis([3, 87, null, 41], 200, 0);
    expect(a.min).toBe(0);
    expect(a.max).toBe(100);
    expect(a.ticks).toEqual([0, 20, 40, 60, 80, 100]);
    expect(a.y(0)).toBe(200);
    expect(a.y(100)).toBe(0);
  });

  it('takes negative values in, with zero among the ticks', () => {
    const a = yAxis([-35, 120], 240, 0);
    expect(a.min).toBeLessThanOrEqual(-35);
    expect(a.max).toBeGreaterThanOrEqual(120);
    expect(a.ticks).toContain(0);
    expect(a.ticks[0]).toBeLessThan(0);
    // A negative bar hangs down from zero; a positive one stands on it.
    const down = barRect(-35, a.y);
    const up = barRect(120, a.y);
    expect(down.y).toBeCloseTo(a.y(0));
    expect(down.y + down.height).toBeCloseTo(a.y(-35));
    expect(up.y + up.height).toBeCloseTo(a.y(0));
    expect(up.y).toBeCloseTo(a.y(120));
  });

  it('all-negative data keeps zero at the top; no data (or only NaN/Infinity) gives 0 to 1', () => {
    const neg = yAxis([-5, -80], 100, 0);
    expect(neg.max).toBe(0);
    expect(neg.min).toBeLessThanOrEqual(-80);
    expect(yAxis([], 100, 0)).toMatchObject({ min: 0, max: 1 });
    expect(yAxis([null, Number.NaN, Number.POSITIVE_INFINITY], 100, 0)).toMatchObject({ min: 0, max: 1 });
  });

  it('a flat series of equal values still gets a domain', () => {
    const a = yAxis([5, 5, 5], 100, 0);
    expect(a.max).toBeGreaterThan(a.min);
    expect(a.ticks.length).toBeGreaterThan(1);
  });
});

describe('paths', () => {
  it('break at missing periods instead of drawing through zero', () => {
    const x = pointX(5, 0, 400);
    const pts = [10, 20, null, 40, 50].map((v, i) => ({ x: x(i), y: v }));
    const d = linePath(pts);
    expect(d.match(/M/g)).toHaveLength(2);
    expect(d).toBe('M0,10L100,20M300,40L400,50');
    const area = areaPath(pts, 0);
    expect(area.match(/M/g)).toHaveLength(2);
    expect(linePath([{ x: 0, y: null }])).toBe('');
  });

  it('spreads points over the width and puts a single point in the middle', () => {
    expect([0, 1, 2].map(pointX(3, 100, 300))).toEqual([100, 200, 300]);
    expect(pointX(1, 100, 300)(0)).toBe(200);
  });

  it('bands and side-by-side slots stay inside their period', () => {
    const b = bands(4, 0, 400);
    expect(b.width).toBe(100);
    expect([0, 3].map(b.center)).toEqual([50, 350]);
    const s = slots(b.width, 4);
    const left = b.center(1) + s.offset(0);
    const right = b.center(1) + s.offset(3) + s.width;
    expect(left).toBeGreaterThanOrEqual(100);
    expect(right).toBeLessThanOrEqual(200);
  });

  it('labels at most max periods, always the last; a date finds its period', () => {
    expect(labelIndexes(3, 6)).toEqual([0, 1, 2]);
    // Evenly spaced back from the last period (a year of weeks: every ninth week).
    expect(labelIndexes(53, 6)).toEqual([7, 16, 25, 34, 43, 52]);
    expect(periodIndex(weeks([1, 2, 3]), '2024-01-09')).toBe(1);
    expect(periodIndex(weeks([1, 2, 3]), '2023-12-31')).toBe(-1);
  });
});

describe('charts', () => {
  const series = (points: ChartPoint[], over: Partial<ChartSeries> = {}): ChartSeries => ({
    name: 'Signups',
    unit: num,
    axis: 0,
    points,
    ...over,
  });
  const props = { grain: 'week' as const, showPrevious: false, previousLabel: 'previous period', label: 'Signups' };

  it('marks the partial last period and leaves a missing one out', () => {
    const html = render(<LineChart {...props} series={[series(weeks([4, null, 9], { partialLast: true }))]} />);
    expect(attrs(html, /<circle[^>]*data-period[^>]*>/g, 'data-period')).toEqual(['2024-01-01', '2024-01-15']);
    expect(html).toContain('chart__dot--partial');
    expect(html).toContain('(so far)');
    expect(html).not.toContain('style=');
    const bars = render(<BarChart {...props} series={[series(weeks([4, null, 9], { partialLast: true }))]} />);
    expect(attrs(bars, /<rect[^>]*data-value[^>]*>/g, 'data-value')).toEqual(['4', '9']);
    expect(bars).toContain('chart__bar--partial');
  });

  it('a second unit goes on a right-hand axis with its own ticks; each series gets its class', () => {
    const html = render(
      <LineChart
        {...props}
        series={[series(weeks([1, 2, 3])), series(weeks([1000, 5000, 9000]), { name: 'Revenue', unit: eur, axis: 1 })]}
      />,
    );
    expect(html).toContain('chart__line--s0');
    expect(html).toContain('chart__line--s1');
    const right = [...html.matchAll(/chart__tick--right[^>]*>([^<]*)</g)].map((m) => m[1]);
    expect(right.at(-1)).toBe('€10K');
    // Tooltips name each metric when there are several.
    expect(html).toContain('Signups 1; Revenue €1,000');
  });

  it('draws notes at their period with their text', () => {
    const html = render(
      <LineChart
        {...props}
        series={[series(weeks([1, 2, 3]))]}
        notes={[{ date: '2024-01-10', body: 'Pricing change' }]}
      />,
    );
    expect(html).toContain('data-date="2024-01-10"');
    expect(html).toContain('2024-01-10: Pricing change');
    const outside = render(
      <LineChart {...props} series={[series(weeks([1, 2, 3]))]} notes={[{ date: '2025-01-01', body: 'Later' }]} />,
    );
    expect(outside).not.toContain('Later');
  });
});
