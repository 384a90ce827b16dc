import { type TRPCError } from '@trpc/server';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import type { KyselyPlugin } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../../testing/harness.ts';

/**
 * Dashboard tiles against hand-computed values. The organization is in UTC with weeks starting on
 * Monday. Revenue (sum) is 10 a day through February 2024 and 20 a day through March; NPS (avg)
 * has two answers; conversion is a formula (signups / visitors, a ratio of sums per period).
 */
let tdb: TestDatabase;
let h: Harness;
let api: Awaited<ReturnType<Harness['as']>>;
let slug: string;
let statements = 0;

const days = (from: string, to: string) => {
  const out: string[] = [];
  for (let d = new Date(`${from}T00:00:00Z`); d <= new Date(`${to}T00:00:00Z`); d = new Date(d.getTime() + 86_400_000))
    out.push(d.toISOString().slice(0, 10));
  return out;
};

beforeAll(async () => {
  tdb = await createTestDatabase();
  // Counts the statements the code under test sends, to show the dashboard costs no query per tile.
  const counter: KyselyPlugin = {
    transformQuery: (args) => {
      statements += 1;
      return args.node;
    },
    transformResult: async (args) => args.result,
  };
  h = createHarness({ ...tdb, app: tdb.app.withPlugin(counter) });
  const owner = await h.signUp('dash');
  slug = owner.slug;
  api = await h.as(owner.cookie);
  const org = await api.org.get({ slug });
  await api.org.update({ slug, name: org.organization.name, timezone: 'UTC', weekStart: 1 });
  await api.metrics.create({ slug, key: 'revenue', name: 'Revenue', unit: 'currency', currency: 'EUR' });
  await api.metrics.create({ slug, key: 'nps', name: 'NPS', aggregation: 'avg' });
  await api.metrics.create({ slug, key: 'signups', name: 'Signups' });
  await api.metrics.create({ slug, key: 'visitors', name: 'Visitors' });
  await api.metrics.create({
    slug,
    key: 'conversion',
    name: 'Conversion',
    unit: 'percent',
    formula: 'signups / visitors',
  });
  const revenue = [
    ...days('2024-02-01', '2024-02-29').map((date) => ({ date, value: 10 })),
    ...days('2024-03-01', '2024-03-31').map((date) => ({ date, value: 20 })),
  ];
  await api.points.upsert({ slug, key: 'revenue', points: revenue });
  await api.points.upsert({
    slug,
    key: 'nps',
    points: [
      { date: '2024-03-04', value: 40 },
      { date: '2024-03-05', value: 60 },
      { date: '2024-02-27', value: 10 },
    ],
  });
  await api.points.upsert({
    slug,
    key: 'signups',
    points: [
      { date: '2024-03-04', value: 10 },
      { date: '2024-03-11', value: 30 },
    ],
  });
  await api.points.upsert({
    slug,
    key: 'visitors',
    points: [
      { date: '2024-03-04', value: 100 },
      { date: '2024-03-12', value: 200 },
    ],
  });
  await api.targets.create({ slug, key: 'revenue', kind: 'recurring', grain: 'month', value: 600 });
  await api.targets.create({ slug, key: 'nps', kind: 'recurring', grain: 'quarter', value: 45 });
});
afterAll(() => tdb.drop());

async function dashboardWith(
  tiles: { metricKey: string; kind: 'number' | 'line' | 'bar' | 'table' }[],
  name = 'Test board',
) {
  const d = await api.dashboards.create({ slug, name });
  for (const t of tiles) await api.dashboards.addTile({ slug, dashboardId: d.id, ...t });
  return d;
}

describe('tile data against hand-computed values', () => {
  it('weekly points, the previous range, per-period targets, totals and target progress', async () => {
    const d = await dashboardWith([
      { metricKey: 'revenue', kind: 'line' },
      { metricKey: 'nps', kind: 'number' },
      { metricKey: 'conversion', kind: 'bar' },
    ]);
    // Monday 2024-03-04 to Sunday 2024-03-17: two whole weeks; the previous range is the 14 days before.
    const out = await api.dashboards.get({ slug, id: d.id, from: '2024-03-04', to: '2024-03-17', grain: 'week' });
    expect(out.range).toEqual({
      preset: null,
      from: '2024-03-04',
      to: '2024-03-17',
      previousFrom: '2024-02-19',
      previousTo: '2024-03-03',
    });
    const [revenue, nps, conversion] = out.tiles;

    expect(revenue!.metric).toMatchObject({ key: 'revenue', unit: 'currency', currency: 'EUR' });
    expect(revenue!.data.points.map((p) => [p.start, p.value, p.previous])).toEqual([
      ['2024-03-04', 140, 70], // Feb 19-25: 7 x 10
      ['2024-03-11', 140, 100], // Feb 26-Mar 3: 4 x 10 + 3 x 20
    ]);
    expect(revenue!.data.total).toBe(280);
    expect(revenue!.data.previousTotal).toBe(170);
    expect(revenue!.data.change).toBeCloseTo(110 / 170, 10);
    // A monthly target of 600 over 31 days of March, prorated to a week.
    expect(revenue!.data.points[0]!.target).toBeCloseTo((600 * 7) / 31, 10);
    // Progress on the range's last day (Mar 17): 17 days of March at 20 = 340, on pace for 620.
    expect(revenue!.data.target).toMatchObject({
      period: { start: '2024-03-01', end: '2024-03-31' },
      complete: false,
      actual: 340,
      target: 600,
      status: 'on_track',
    });
    expect(revenue!.data.target!.forecast).toBeCloseTo((340 * 31) / 17, 10);

    expect(nps!.data.points.map((p) => [p.value, p.previous])).toEqual([
      [50, null],
      [null, 10],
    ]);
    expect(nps!.data.total).toBe(50);
    expect(nps!.data.previousTotal).toBe(10);
    // An average is a level: the quarterly target applies to each period as it is.
    expect(nps!.data.points[0]!.target).toBe(45);
    // Progress is over the target's own period, Q1 so far: all three answers, (40 + 60 + 10) / 3,
    // more than 10% below 45.
    expect(nps!.data.target).toMatchObject({
      period: { start: '2024-01-01', end: '2024-03-31' },
      actual: 110 / 3,
      target: 45,
      forecast: 110 / 3,
      status: 'off_track',
    });

    // Ratio of sums per period, not a sum of ratios.
    expect(conversion!.data.points.map((p) => p.value)).toEqual([10 / 100, 30 / 200]);
    expect(conversion!.data.total).toBeCloseTo(40 / 300, 12);
    expect(conversion!.data.target).toBeNull();
  });

  it('equals metrics.series for the same metric and periods', async () => {
    const d = await dashboardWith([
      { metricKey: 'revenue', kind: 'table' },
      { metricKey: 'conversion', kind: 'line' },
      { metricKey: 'nps', kind: 'bar' },
    ]);
    const out = await api.dashboards.get({ slug, id: d.id, from: '2024-02-01', to: '2024-03-31', grain: 'week' });
    for (const tile of out.tiles) {
      const s = await api.metrics.series({
        slug,
        key: tile.metric.key,
        grain: 'week',
        from: '2024-02-01',
        to: '2024-03-31',
      });
      expect(tile.data.points.map((p) => [p.start, p.value])).toEqual(s.points.map((p) => [p.start, p.value]));
    }
  });

  it('month grain: the last period so far is partial and compares with the previous range aligned from its end', async () => {
    const d = await dashboardWith([{ metricKey: 'revenue', kind: 'bar' }]);
    const out = await api.dashboards.get({ slug, id: d.id, from: '2024-03-01', to: '2024-03-20', grain: 'month' });
    expect(out.tiles[0]!.data.points).toEqual([
      { start: '2024-03-01', end: '2024-03-31', partial: true, value: 400, previous: 200, target: 600 },
    ]);
    expect(out.tiles[0]!.data.target).toMatchObject({
      actual: 400,
      forecast: (400 * 31) / 20,
      forecastAttainment: (400 * 31) / 20 / 600,
    });
  });

  it('a tile with showTarget off carries no target; an empty range gives nulls, not zeros', async () => {
    const d = await api.dashboards.create({ slug, name: 'No targets' });
    await api.dashboards.addTile({ slug, dashboardId: d.id, metricKey: 'revenue', kind: 'number', showTarget: false });
    const out = await api.dashboards.get({ slug, id: d.id, from: '2020-01-01', to: '2020-01-31', grain: 'week' });
    expect(out.tiles[0]!.data.target).toBeNull();
    expect(out.tiles[0]!.data.points.every((p) => p.value === null && p.target === null)).toBe(true);
    expect(out.tiles[0]!.data.total).toBeNull();
  });

  it('presets resolve in the organization timezone relative to today', async () => {
    const d = await dashboardWith([{ metricKey: 'revenue', kind: 'line' }]);
    const out = await api.dashboards.get({ slug, id: d.id, range: '30d', grain: 'day' });
    const today = new Date().toISOString().slice(0, 10);
    expect(out.range.to).toBe(today);
    expect(out.tiles[0]!.data.points).toHaveLength(30);
    const ytd = await api.dashboards.get({ slug, id: d.id, range: 'ytd', grain: 'month' });
    expect(ytd.range.from).toBe(`${today.slice(0, 4)}-01-01`);
    expect(ytd.range.previousFrom).toBe(`${Number(today.slice(0, 4)) - 1}-01-01`);
  });

  it('costs no more statements for 12 tiles than for 2', async () => {
    const small = await dashboardWith([
      { metricKey: 'revenue', kind: 'line' },
      { metricKey: 'conversion', kind: 'number' },
    ]);
    const keys = ['revenue', 'nps', 'signups', 'visitors', 'conversion'] as const;
    const big = await dashboardWith(
      Array.from({ length: 12 }, (_, i) => ({
        metricKey: keys[i % keys.length]!,
        kind: (['number', 'line', 'bar', 'table'] as const)[i % 4]!,
      })),
    );
    const count = async (id: string) => {
      await api.dashboards.get({ slug, id, range: '90d', grain: 'week' });
      statements = 0;
      await api.dashboards.get({ slug, id, range: '90d', grain: 'week' });
      return statements;
    };
    const a = await count(small.id);
    const b = await count(big.id);
    // Formula parts already on the dashboard need no lookup, so more tiles may even cost less.
    expect(b).toBeLessThanOrEqual(a);
    expect(b).toBeLessThanOrEqual(8);
  });
});

describe('dashboards and tiles', () => {
  it('the first dashboard is the default; makeDefault moves it; deleting the default promotes the oldest other', async () => {
    const fresh = await h.signUp('defaults');
    const a = await h.as(fresh.cookie);
    expect((await a.dashboards.get({ slug: fresh.slug })).dashboard).toBeNull();
    const first = await a.dashboards.create({ slug: fresh.slug, name: 'First' });
    const second = await a.dashboards.create({ slug: fresh.slug, name: 'Second' });
    expect([first.isDefault, second.isDefault]).toEqual([true, false]);
    expect((await a.dashboards.get({ slug: fresh.slug })).dashboard?.id).toBe(first.id);
    await a.dashboards.update({ slug: fresh.slug, id: second.id, makeDefault: true });
    expect((await a.dashboards.list({ slug: fresh.slug })).map((d) => [d.name, d.isDefault])).toEqual([
      ['Second', true],
      ['First', false],
    ]);
    const del = await a.dashboards.delete({ slug: fresh.slug, id: second.id });
    expect(del.newDefaultId).toBe(first.id);
    expect((await a.dashboards.get({ slug: fresh.slug })).dashboard?.name).toBe('First');
  });

  it('renames, reorders tiles, refuses a stale order, removes tiles, and audits each change', async () => {
    const d = await dashboardWith(
      [
        { metricKey: 'revenue', kind: 'line' },
        { metricKey: 'nps', kind: 'number' },
        { metricKey: 'signups', kind: 'table' },
      ],
      'Ops',
    );
    await api.dashboards.update({ slug, id: d.id, name: 'Operations', range: '12m', grain: 'month' });
    const tiles = (await api.dashboards.get({ slug, id: d.id })).tiles;
    const ids = tiles.map((t) => t.id);
    await api.dashboards.reorderTiles({ slug, dashboardId: d.id, tileIds: [ids[2]!, ids[0]!, ids[1]!] });
    const after = await api.dashboards.get({ slug, id: d.id });
    expect(after.dashboard).toMatchObject({ name: 'Operations', range: '12m', grain: 'month', tileCount: 3 });
    expect(after.range.preset).toBe('12m');
    expect(after.tiles.map((t) => t.metric.key)).toEqual(['signups', 'revenue', 'nps']);
    const stale = await api.dashboards
      .reorderTiles({ slug, dashboardId: d.id, tileIds: [ids[0]!, ids[1]!] })
      .catch((e: unknown) => e);
    expect((stale as TRPCError).code).toBe('CONFLICT');
    await api.dashboards.removeTile({ slug, dashboardId: d.id, tileId: ids[1]! });
    expect((await api.dashboards.get({ slug, id: d.id })).tiles.map((t) => t.metric.key)).toEqual([
      'signups',
      'revenue',
    ]);

    const events = await tdb.admin
      .selectFrom('auditOutbox')
      .select(['action', 'before', 'after'])
      .where('targetId', '=', d.id)
      .orderBy('occurredAt')
      .execute();
    expect(events.map((e) => e.action)).toEqual([
      'dashboard.created',
      'dashboard.tile_added',
      'dashboard.tile_added',
      'dashboard.tile_added',
      'dashboard.updated',
      'dashboard.tiles_reordered',
      'dashboard.tile_removed',
    ]);
    expect(events[4]).toMatchObject({
      before: { name: 'Ops', range: '90d', grain: 'week' },
      after: { name: 'Operations', range: '12m', grain: 'month' },
    });
    expect(events[6]!.before).toMatchObject({ metric: 'nps', kind: 'number' });
  });

  it('deleting a metric removes its tiles; deleting a dashboard keeps metrics and data', async () => {
    const d = await dashboardWith([{ metricKey: 'visitors', kind: 'line' }]);
    await api.dashboards.delete({ slug, id: d.id });
    expect((await api.metrics.get({ slug, key: 'visitors' })).key).toBe('visitors');
    const gone = await api.dashboards.get({ slug, id: d.id }).catch((e: unknown) => e);
    expect((gone as TRPCError).code).toBe('NOT_FOUND');
  });

  it("another organization's dashboard is not found, by id, for reading or editing, and its metric cannot be tiled", async () => {
    const d = await dashboardWith([{ metricKey: 'revenue', kind: 'line' }], 'Private');
    const other = await h.signUp('other');
    const o = await h.as(other.cookie);
    await o.metrics.create({ slug: other.slug, key: 'secret', name: 'Secret' });
    const mine = await o.dashboards.create({ slug: other.slug, name: 'Mine' });
    for (const call of [
      () => o.dashboards.get({ slug: other.slug, id: d.id }),
      () => o.dashboards.update({ slug: other.slug, id: d.id, name: 'Taken' }),
      () => o.dashboards.delete({ slug: other.slug, id: d.id }),
      () => o.dashboards.addTile({ slug: other.slug, dashboardId: d.id, metricKey: 'secret', kind: 'line' }),
      () => api.dashboards.addTile({ slug, dashboardId: d.id, metricKey: 'secret', kind: 'line' }),
      () => api.dashboards.addTile({ slug, dashboardId: mine.id, metricKey: 'revenue', kind: 'line' }),
    ]) {
      const err = await call().catch((e: unknown) => e);
      expect((err as TRPCError).code).toBe('NOT_FOUND');
    }
    expect((await api.dashboards.get({ slug, id: d.id })).dashboard?.name).toBe('Private');
  });

  it('a grain too fine for the range is refused with a clear message', async () => {
    const err = await api.dashboards
      .get({ slug, from: '2020-01-01', to: '2024-12-31', grain: 'day' })
      .catch((e: unknown) => e);
    expect((err as TRPCError).code).toBe('BAD_REQUEST');
    expect((err as TRPCError).message).toMatch(/coarser grain/);
  });
});
