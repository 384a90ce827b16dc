import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../../testing/harness.ts';

/**
 * Aggregation against hand-computed fixtures. The organization is in America/New_York, where
 * daylight-saving time began on 2024-03-10 (UTC-5 before, UTC-4 after), so several points sit on
 * a different local day than their UTC date, and a fixed offset would put some on the wrong day.
 */
let tdb: TestDatabase;
let h: Harness;
let api: Awaited<ReturnType<Harness['as']>>;
let slug: string;

const AGGS = ['sum', 'avg', 'min', 'max', 'count', 'last'] as const;
// ts (UTC) -> local day in New York, value
const BASE: [string, number][] = [
  ['2024-03-09T04:30:00Z', 10], // local 03-08 23:30 EST
  ['2024-03-09T15:00:00Z', 20], // local 03-09 10:00 EST
  ['2024-03-10T04:59:00Z', 5], //  local 03-09 23:59 EST (latest of 03-09)
  ['2024-03-10T05:00:00Z', 7], //  local 03-10 00:00 EST
  ['2024-03-11T04:30:00Z', 100], // local 03-11 00:30 EDT (a fixed UTC-5 would say 03-10)
  ['2024-03-11T12:00:00Z', 1], //  local 03-11 08:00 EDT (latest of 03-11)
  ['2024-04-01T03:00:00Z', 30], // local 03-31 23:00 EDT (March here, April in UTC)
  ['2024-04-01T04:00:00Z', 40], // local 04-01 00:00 EDT (April, Q2)
];
// Extra history for the sum metric only: previous periods and a year earlier.
const HISTORY: [string, number][] = [
  ['2024-02-05T17:00:00Z', 3],
  ['2024-02-15T17:00:00Z', 8],
  ['2023-03-02T17:00:00Z', 4],
  ['2023-03-13T16:00:00Z', 50], // 364 days before 2024-03-11, same weekday
];

beforeAll(async () => {
  tdb = await createTestDatabase();
  h = createHarness(tdb);
  const owner = await h.signUp('agg');
  slug = owner.slug;
  api = await h.as(owner.cookie);
  const org = await api.org.get({ slug });
  await api.org.update({ slug, name: org.organization.name, timezone: 'America/New_York', weekStart: 1 });
  for (const aggregation of AGGS) {
    await api.metrics.create({ slug, key: `m_${aggregation}`, name: `M ${aggregation}`, aggregation });
    const points = aggregation === 'sum' ? [...BASE, ...HISTORY] : BASE;
    const res = await api.points.upsert({
      slug,
      key: `m_${aggregation}`,
      points: points.map(([ts, value]) => ({ ts, value })),
    });
    expect(res).toMatchObject({ written: points.length, rejected: 0 });
  }
});
afterAll(() => tdb.drop());

const series = async (key: string, grain: 'day' | 'week' | 'month' | 'quarter', from: string, to: string) =>
  (await api.metrics.series({ slug, key, grain, from, to })).points;
const values = async (key: string, grain: 'day' | 'week' | 'month' | 'quarter', from: string, to: string) =>
  Object.fromEntries(
    (await series(key, grain, from, to)).filter((p) => p.value !== null).map((p) => [p.start, p.value]),
  );

describe('each aggregation and grain in the organization timezone, across DST', () => {
  it('day', async () => {
    const want: Record<string, Record<string, number>> = {
      sum: { '2024-03-08': 10, '2024-03-09': 25, '2024-03-10': 7, '2024-03-11': 101 },
      avg: { '2024-03-08': 10, '2024-03-09': 12.5, '2024-03-10': 7, '2024-03-11': 50.5 },
      min: { '2024-03-08': 10, '2024-03-09': 5, '2024-03-10': 7, '2024-03-11': 1 },
      max: { '2024-03-08': 10, '2024-03-09': 20, '2024-03-10': 7, '2024-03-11': 100 },
      count: { '2024-03-08': 1, '2024-03-09': 2, '2024-03-10': 1, '2024-03-11': 2 },
      last: { '2024-03-08': 10, '2024-03-09': 5, '2024-03-10': 7, '2024-03-11': 1 },
    };
    for (const agg of AGGS) expect(await values(`m_${agg}`, 'day', '2024-03-08', '2024-03-11'), agg).toEqual(want[agg]);
  });

  it('week starting Monday, then Sunday after the week start changes', async () => {
    const monday: Record<string, Record<string, number>> = {
      sum: { '2024-03-04': 42, '2024-03-11': 101, '2024-03-25': 30, '2024-04-01': 40 },
      avg: { '2024-03-04': 10.5, '2024-03-11': 50.5, '2024-03-25': 30, '2024-04-01': 40 },
      min: { '2024-03-04': 5, '2024-03-11': 1, '2024-03-25': 30, '2024-04-01': 40 },
      max: { '2024-03-04': 20, '2024-03-11': 100, '2024-03-25': 30, '2024-04-01': 40 },
      count: { '2024-03-04': 4, '2024-03-11': 2, '2024-03-25': 1, '2024-04-01': 1 },
      last: { '2024-03-04': 7, '2024-03-11': 1, '2024-03-25': 30, '2024-04-01': 40 },
    };
    for (const agg of AGGS)
      expect(await values(`m_${agg}`, 'week', '2024-03-04', '2024-04-07'), agg).toEqual(monday[agg]);
    const weeks = await series('m_sum', 'week', '2024-03-04', '2024-03-17');
    expect(weeks.map((w) => [w.start, w.end])).toEqual([
      ['2024-03-04', '2024-03-10'],
      ['2024-03-11', '2024-03-17'],
    ]);

    await api.org.update({ slug, name: 'Agg', timezone: 'America/New_York', weekStart: 0 });
    const sunday: Record<string, Record<string, number>> = {
      sum: { '2024-03-03': 35, '2024-03-10': 108, '2024-03-31': 70 },
      avg: { '2024-03-03': 35 / 3, '2024-03-10': 36, '2024-03-31': 35 },
      min: { '2024-03-03': 5, '2024-03-10': 1, '2024-03-31': 30 },
      max: { '2024-03-03': 20, '2024-03-10': 100, '2024-03-31': 40 },
      count: { '2024-03-03': 3, '2024-03-10': 3, '2024-03-31': 2 },
      last: { '2024-03-03': 5, '2024-03-10': 1, '2024-03-31': 40 },
    };
    for (const agg of AGGS)
      expect(await values(`m_${agg}`, 'week', '2024-03-04', '2024-04-06'), agg).toEqual(sunday[agg]);
    await api.org.update({ slug, name: 'Agg', timezone: 'America/New_York', weekStart: 1 });
  });

  it('month and quarter (03-31 23:00 EDT is March, 04-01 00:00 EDT is April)', async () => {
    const march: Record<string, number> = { sum: 173, avg: 173 / 7, min: 1, max: 100, count: 7, last: 30 };
    const april: Record<string, number> = { sum: 40, avg: 40, min: 40, max: 40, count: 1, last: 40 };
    for (const agg of AGGS) {
      const month = await values(`m_${agg}`, 'month', '2024-03-01', '2024-04-30');
      const marchWant = agg === 'sum' ? 173 : march[agg]!;
      expect(month, agg).toEqual({ '2024-03-01': marchWant, '2024-04-01': april[agg] });
      const quarter = await values(`m_${agg}`, 'quarter', '2024-01-01', '2024-06-30');
      // Q1 of the sum metric also holds February's history (3 + 8).
      expect(quarter, agg).toEqual({ '2024-01-01': agg === 'sum' ? 184 : march[agg], '2024-04-01': april[agg] });
    }
  });

  it('a change of timezone rebuilds the rollups: the same points land on UTC days', async () => {
    await api.org.update({ slug, name: 'Agg', timezone: 'UTC', weekStart: 1 });
    expect(await values('m_sum', 'day', '2024-03-08', '2024-03-11')).toEqual({
      '2024-03-09': 30,
      '2024-03-10': 12,
      '2024-03-11': 101,
    });
    expect(await values('m_last', 'day', '2024-03-09', '2024-03-10')).toEqual({ '2024-03-09': 20, '2024-03-10': 7 });
    await api.org.update({ slug, name: 'Agg', timezone: 'America/New_York', weekStart: 1 });
    expect(await values('m_sum', 'day', '2024-03-08', '2024-03-11')).toEqual({
      '2024-03-08': 10,
      '2024-03-09': 25,
      '2024-03-10': 7,
      '2024-03-11': 101,
    });
  });
});

describe('comparisons', () => {
  it('previous period and the same period a year ago, per grain', async () => {
    const months = await series('m_sum', 'month', '2024-03-01', '2024-03-31');
    expect(months).toEqual([{ start: '2024-03-01', end: '2024-03-31', value: 173, previous: 11, yearAgo: 54 }]);
    const days = await series('m_sum', 'day', '2024-03-11', '2024-03-11');
    expect(days).toEqual([{ start: '2024-03-11', end: '2024-03-11', value: 101, previous: 7, yearAgo: 50 }]);
    const quarters = await series('m_sum', 'quarter', '2024-04-01', '2024-04-01');
    expect(quarters).toEqual([{ start: '2024-04-01', end: '2024-06-30', value: 40, previous: 184, yearAgo: null }]);
  });

  it('period to date compares the same number of elapsed days', async () => {
    const ptd = await api.metrics.periodToDate({ slug, key: 'm_sum', grain: 'month', asOf: '2024-03-11' });
    expect(ptd).toEqual({
      period: { start: '2024-03-01', end: '2024-03-31' },
      asOf: '2024-03-11',
      elapsedDays: 11,
      totalDays: 31,
      value: 143,
      previous: { from: '2024-02-01', to: '2024-02-11', value: 3, change: (143 - 3) / 3 },
      yearAgo: { from: '2023-03-01', to: '2023-03-11', value: 4, change: (143 - 4) / 4 },
    });
    // February has 29 days: 31 elapsed days of March compare with all of February, not beyond it.
    const end = await api.metrics.periodToDate({ slug, key: 'm_sum', grain: 'month', asOf: '2024-03-31' });
    expect(end.previous).toMatchObject({ from: '2024-02-01', to: '2024-02-29', value: 11 });
  });
});

describe('writes keep the rollups current', () => {
  it('replacing a value can lower the max; deleting a point changes count and last', async () => {
    await api.metrics.create({ slug, key: 'm_edit', name: 'Edit', aggregation: 'max' });
    await api.points.upsert({ slug, key: 'm_edit', points: BASE.map(([ts, value]) => ({ ts, value })) });
    await api.points.upsert({ slug, key: 'm_edit', points: [{ ts: '2024-03-11T04:30:00Z', value: 50 }] });
    expect((await values('m_edit', 'day', '2024-03-11', '2024-03-11'))['2024-03-11']).toBe(50);
    await api.points.delete({ slug, key: 'm_edit', ts: ['2024-03-11T04:30:00Z'] });
    expect((await values('m_edit', 'day', '2024-03-11', '2024-03-11'))['2024-03-11']).toBe(1);
    await api.points.delete({ slug, key: 'm_edit', ts: ['2024-03-11T12:00:00Z'] });
    expect(await values('m_edit', 'day', '2024-03-11', '2024-03-11')).toEqual({});
  });
});

describe('formula metrics', () => {
  it('are computed per period from the parts (ratio of sums, not sum of ratios)', async () => {
    await api.metrics.create({ slug, key: 'per_point', name: 'Per point', formula: 'm_sum / m_count' });
    expect(await values('per_point', 'day', '2024-03-09', '2024-03-09')).toEqual({ '2024-03-09': 12.5 });
    // March: sum 173 (+ nothing else in March) over 7 points; the mean of daily ratios would differ.
    expect((await values('per_point', 'month', '2024-03-01', '2024-03-31'))['2024-03-01']).toBeCloseTo(173 / 7, 12);
    await api.metrics.create({ slug, key: 'spread2', name: 'Spread', formula: '(m_max - m_min) * 2 + -1' });
    expect(await values('spread2', 'day', '2024-03-11', '2024-03-11')).toEqual({ '2024-03-11': (100 - 1) * 2 - 1 });
    // A formula of a formula.
    await api.metrics.create({ slug, key: 'nested', name: 'Nested', formula: 'per_point * 10' });
    expect(await values('nested', 'day', '2024-03-09', '2024-03-09')).toEqual({ '2024-03-09': 125 });
  });

  it('division by zero and missing parts give no value, never Infinity', async () => {
    await api.metrics.create({ slug, key: 'div0', name: 'Div0', formula: 'm_sum / (m_count - m_count)' });
    const points = await series('div0', 'day', '2024-03-09', '2024-03-09');
    expect(points[0]!.value).toBeNull();
    // A day without data: sum and count parts count as 0, so 0 / 0 is no value.
    expect((await series('per_point', 'day', '2024-03-20', '2024-03-20'))[0]!.value).toBeNull();
  });

  it('refuses unknown keys, its own key, cycles and bad syntax, with the reason', async () => {
    const err = (p: Promise<unknown>) =>
      p.then(
        () => 'OK',
        (e: Error) => e.message,
      );
    expect(await err(api.metrics.create({ slug, key: 'f_unknown', name: 'X', formula: 'm_sum / nope' }))).toMatch(
      /Unknown metric key: nope/,
    );
    expect(await err(api.metrics.create({ slug, key: 'f_self', name: 'X', formula: 'f_self + 1' }))).toMatch(
      /its own metric/,
    );
    expect(await err(api.metrics.create({ slug, key: 'f_bad', name: 'X', formula: 'm_sum + * 2' }))).toMatch(
      /Unexpected "\*" at position 9/,
    );
    expect(await err(api.metrics.create({ slug, key: 'f_eval', name: 'X', formula: 'process.exit(1)' }))).toMatch(
      /Bad number at position 8/,
    );
    await api.metrics.create({ slug, key: 'f_a', name: 'A', formula: 'm_sum + 1' });
    await api.metrics.create({ slug, key: 'f_b', name: 'B', formula: 'f_a * 2' });
    expect(await err(api.metrics.update({ slug, key: 'f_a', name: 'A', formula: 'f_b + 1' }))).toMatch(
      /cycle: f_a -> f_b -> f_a/,
    );
    expect((await api.metrics.get({ slug, key: 'f_a' })).formula).toBe('m_sum + 1');
    // Formula metrics take no data.
    const res = await api.points.upsert({ slug, key: 'f_a', points: [{ ts: '2024-03-01T00:00:00Z', value: 1 }] });
    expect(res.errors).toEqual([expect.objectContaining({ index: 0, code: 'formula_metric' })]);
  });
});

describe('targets', () => {
  const progress = async (key: string, asOf: string) =>
    (await api.targets.list({ slug, key, asOf })).targets.map((t) => t.progress);

  it('recurring sum target: attainment, pace forecast and status', async () => {
    await api.metrics.create({ slug, key: 't_sum', name: 'T', aggregation: 'sum' });
    await api.points.upsert({ slug, key: 't_sum', points: BASE.map(([ts, value]) => ({ ts, value })) });
    for (const value of [300, 420, 450])
      await api.targets.create({ slug, key: 't_sum', kind: 'recurring', grain: 'month', value });
    const [on, risk, off] = await progress('t_sum', '2024-03-11');
    // March 1-11: 10 + 20 + 5 + 7 + 100 + 1 = 143, on pace for 143 * 31 / 11 = 403.
    expect(on).toMatchObject({
      period: { start: '2024-03-01', end: '2024-03-31' },
      elapsedDays: 11,
      totalDays: 31,
      actual: 143,
      complete: false,
      status: 'on_track',
    });
    expect(on!.forecast).toBeCloseTo((143 * 31) / 11, 9);
    expect(on!.attainment).toBeCloseTo(143 / 300, 12);
    expect(on!.forecastAttainment).toBeCloseTo(403 / 300, 2);
    expect(risk!.status).toBe('at_risk'); // 403 is within 10% under 420
    expect(off!.status).toBe('off_track'); // 403 < 405 = 450 - 10%
  });

  it('lower-is-better level metric, fixed ranges, not-yet-started targets', async () => {
    await api.metrics.create({ slug, key: 't_max', name: 'T', aggregation: 'max', direction: 'lower' });
    await api.points.upsert({ slug, key: 't_max', points: BASE.map(([ts, value]) => ({ ts, value })) });
    await api.targets.create({ slug, key: 't_max', kind: 'recurring', grain: 'month', value: 50 });
    await api.targets.create({ slug, key: 't_max', kind: 'recurring', grain: 'month', value: 95 });
    await api.targets.create({
      slug,
      key: 't_max',
      kind: 'fixed',
      value: 120,
      startsOn: '2024-03-01',
      endsOn: '2024-03-31',
    });
    await api.targets.create({
      slug,
      key: 't_max',
      kind: 'recurring',
      grain: 'week',
      value: 1,
      startsOn: '2025-01-01',
    });
    const [tight, near, fixed, future] = await progress('t_max', '2024-03-11');
    expect(tight).toMatchObject({ actual: 100, forecast: 100, status: 'off_track' });
    expect(near).toMatchObject({ actual: 100, forecast: 100, status: 'at_risk' });
    expect(fixed).toMatchObject({
      period: { start: '2024-03-01', end: '2024-03-31' },
      actual: 100,
      status: 'on_track',
    });
    expect(future).toBeNull();
    const [, , after] = await progress('t_max', '2024-04-05');
    expect(after).toMatchObject({ complete: true, elapsedDays: 31, actual: 100, status: 'on_track' });
  });
});

describe('dashboards read the same aggregates (daily rollup columns aggregated in memory, not in SQL)', () => {
  const GRAINS = ['day', 'week', 'month', 'quarter'] as const;
  const tileValues = (data: { points: { start: string; value: number | null }[] }) =>
    Object.fromEntries(data.points.filter((p) => p.value !== null).map((p) => [p.start, p.value]));

  it('hand-computed values for each aggregation by day and month, the range totals and the previous range, across DST', async () => {
    await api.metrics.create({ slug, key: 'dash_spread', name: 'Spread', formula: 'm_max - m_min' });
    const d = await api.dashboards.create({ slug, name: 'Aggregations' });
    for (const key of [...AGGS.map((a) => `m_${a}`), 'dash_spread'])
      await api.dashboards.addTile({ slug, dashboardId: d.id, metricKey: key, kind: 'line' });
    const get = async (from: string, to: string, grain: (typeof GRAINS)[number]) =>
      Object.fromEntries(
        (await api.dashboards.get({ slug, id: d.id, from, to, grain })).tiles.map((t) => [t.metric.key, t.data]),
      );

    const days = await get('2024-03-08', '2024-03-11', 'day');
    const wantDays: Record<string, Record<string, number>> = {
      m_sum: { '2024-03-08': 10, '2024-03-09': 25, '2024-03-10': 7, '2024-03-11': 101 },
      m_avg: { '2024-03-08': 10, '2024-03-09': 12.5, '2024-03-10': 7, '2024-03-11': 50.5 },
      m_min: { '2024-03-08': 10, '2024-03-09': 5, '2024-03-10': 7, '2024-03-11': 1 },
      m_max: { '2024-03-08': 10, '2024-03-09': 20, '2024-03-10': 7, '2024-03-11': 100 },
      m_count: { '2024-03-08': 1, '2024-03-09': 2, '2024-03-10': 1, '2024-03-11': 2 },
      // The latest point of 03-09 (local) is 23:59 EST, stored on 03-10 in UTC.
      m_last: { '2024-03-08': 10, '2024-03-09': 5, '2024-03-10': 7, '2024-03-11': 1 },
      dash_spread: { '2024-03-08': 0, '2024-03-09': 15, '2024-03-10': 0, '2024-03-11': 99 },
    };
    for (const [key, want] of Object.entries(wantDays)) expect(tileValues(days[key]!), key).toEqual(want);

    const months = await get('2024-03-01', '2024-04-30', 'month');
    const march: Record<string, number> = {
      m_sum: 173,
      m_avg: 173 / 7,
      m_min: 1,
      m_max: 100,
      m_count: 7,
      m_last: 30,
      dash_spread: 99,
    };
    const april: Record<string, number> = {
      m_sum: 40,
      m_avg: 40,
      m_min: 40,
      m_max: 40,
      m_count: 1,
      m_last: 40,
      dash_spread: 0,
    };
    const total: Record<string, number> = {
      m_sum: 213,
      m_avg: 213 / 8,
      m_min: 1,
      m_max: 100,
      m_count: 8,
      m_last: 40,
      dash_spread: 99,
    };
    for (const key of Object.keys(march)) {
      expect(tileValues(months[key]!), key).toEqual({ '2024-03-01': march[key], '2024-04-01': april[key] });
      expect(months[key]!.total, key).toBe(total[key]);
      // The previous range is the 61 days before (2023-12-31 to 2024-02-29): only the sum metric
      // has points there (February's 3 + 8); the others have no value, not 0.
      expect(months[key]!.previousTotal, key).toBe(key === 'm_sum' ? 11 : null);
    }
  });

  it('equal metrics.series for every aggregation, a formula and every grain, with weeks from Monday and from Sunday', async () => {
    await api.metrics.create({ slug, key: 'dash_ratio', name: 'Ratio', formula: 'm_sum / m_count' });
    const keys = [...AGGS.map((a) => `m_${a}`), 'dash_ratio'];
    const d = await api.dashboards.create({ slug, name: 'Against series' });
    for (const key of keys) await api.dashboards.addTile({ slug, dashboardId: d.id, metricKey: key, kind: 'table' });
    for (const weekStart of [1, 0]) {
      await api.org.update({ slug, name: 'Agg', timezone: 'America/New_York', weekStart });
      for (const grain of GRAINS) {
        const out = await api.dashboards.get({ slug, id: d.id, from: '2024-01-01', to: '2024-04-30', grain });
        for (const tile of out.tiles) {
          // Periods the range cuts (a week straddling its ends) hold only the range's days on a
          // dashboard; series always aggregates whole periods, so only whole ones compare.
          const whole = tile.data.points.filter((p) => !p.partial);
          expect(whole.length, `${tile.metric.key} ${grain}`).toBeGreaterThan(0);
          const s = await series(tile.metric.key, grain, whole[0]!.start, whole[whole.length - 1]!.end);
          expect(
            whole.map((p) => [p.start, p.value]),
            `${tile.metric.key} by ${grain}, week start ${weekStart}`,
          ).toEqual(s.map((p) => [p.start, p.value]));
        }
      }
    }
    await api.org.update({ slug, name: 'Agg', timezone: 'America/New_York', weekStart: 1 });
  });
});
