import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BoundedCache, cacheWork } from '../../dashboards/rollup-cache.ts';
import { createHarness, type Harness } from '../../testing/harness.ts';
import { parseDashboardData } from './schemas.ts';

/**
 * The dashboard read keeps decoded rollup days and computed series in memory between requests
 * (docs/decisions/0135). Whatever changes an answer must show on the very next load: a write on
 * any day of the range (a closed month), a deleted point, a changed aggregation, formula or formula
 * part, a target, the timezone, the week start. Every load here is checked against metrics.series
 * (the independent SQL aggregation), and each change is made after a load that came from memory.
 */
let tdb: TestDatabase;
let h: Harness;
type Api = Awaited<ReturnType<Harness['as']>>;
let a: { slug: string; api: Api; dashboardId: string };

const days = (from: string, to: string) => {
  const out: string[] = [];
  for (let d = new Date(`${from}T00:00:00Z`); d <= new Date(`${to}T00:00:00Z`); d = new Date(d.getTime() + 86_400_000))
    out.push(d.toISOString().slice(0, 10));
  return out;
};
const FROM = '2024-01-01';
const TO = '2024-06-30';

async function organization(name: string, base: number) {
  const owner = await h.signUp(name);
  const api = await h.as(owner.cookie);
  const slug = owner.slug;
  const org = await api.org.get({ slug });
  await api.org.update({ slug, name: org.organization.name, timezone: 'UTC', weekStart: 1 });
  await api.metrics.create({ slug, key: 'orders', name: 'Orders' });
  await api.metrics.create({ slug, key: 'price', name: 'Price', aggregation: 'avg' });
  await api.metrics.create({ slug, key: 'visits', name: 'Visits' });
  await api.metrics.create({ slug, key: 'conversion', name: 'Conversion', formula: 'orders / visits' });
  for (const [key, f] of [
    ['orders', (i: number) => base + (i % 7)],
    ['price', (i: number) => base * 10 + (i % 11)],
    ['visits', (i: number) => base * 100 + (i % 5)],
  ] as const) {
    // Points every six hours, so a timezone change moves points between days; the last ones fall
    // on the range's last day in every timezone used here.
    const points = days('2023-06-01', '2024-06-29').flatMap((date, i) =>
      [0, 6, 12, 18].map((hour) => ({ ts: `${date}T${String(hour).padStart(2, '0')}:00:00Z`, value: f(i) + hour })),
    );
    for (let at = 0; at < points.length; at += 1000)
      await api.points.upsert({ slug, key, points: points.slice(at, at + 1000) });
  }
  const d = await api.dashboards.create({ slug, name: 'Kept' });
  // The formula's part "visits" is not on the dashboard.
  await api.dashboards.addTile({
    slug,
    dashboardId: d.id,
    metricKey: 'orders',
    kind: 'line',
    moreMetricKeys: ['price', 'conversion'],
  });
  return { slug, api, dashboardId: d.id };
}

type Got = Awaited<ReturnType<Api['dashboards']['get']>>;

/** Every line of every tile, and its comparison, equals metrics.series over the same dates. */
async function expectSeries(org: typeof a, got: Got) {
  for (const t of got.tiles) {
    const lines = [t.data, ...t.moreData];
    for (const [i, m] of [t.metric, ...t.more].entries()) {
      const { grain, from, to, previousFrom, previousTo } = t.view;
      const s = await org.api.metrics.series({ slug: org.slug, key: m.key, grain, from, to });
      expect(s.points.length, m.key).toBeGreaterThan(5);
      expect(
        lines[i]!.points.map((p) => [p.start, p.value]),
        m.key,
      ).toEqual(s.points.map((p) => [p.start, p.value]));
      // By day the comparison line is the series of the compared days (by week, periods are
      // clipped to the range and matched from its end, which metrics.series does not do).
      if (grain !== 'day') continue;
      const p = await org.api.metrics.series({ slug: org.slug, key: m.key, grain, from: previousFrom, to: previousTo });
      expect(
        lines[i]!.points.map((x) => x.previous),
        `${m.key} before`,
      ).toEqual(p.points.map((x) => x.value));
    }
  }
}

const load = (org: typeof a, grain: 'day' | 'week' = 'week') =>
  org.api.dashboards.get({ slug: org.slug, id: org.dashboardId, from: FROM, to: TO, grain });

/** Loads twice: the second load must come from memory and answer the same. */
async function loadKept(org: typeof a, grain: 'day' | 'week' = 'week') {
  const first = await load(org, grain);
  const hits = cacheWork.seriesHits;
  const again = await load(org, grain);
  expect(cacheWork.seriesHits, 'the second load is served from memory').toBe(hits + 1);
  expect(again).toEqual(first);
  return again;
}

/** After a change: the next load is not the kept one, and it equals metrics.series. */
async function loadChanged(org: typeof a, before: Got, grain: 'day' | 'week' = 'week') {
  const got = await load(org, grain);
  expect(got.tiles).not.toEqual(before.tiles);
  await expectSeries(org, got);
  await expectSeries(org, await load(org, 'day'));
  return got;
}

beforeAll(async () => {
  tdb = await createTestDatabase();
  h = createHarness(tdb);
  a = await organization('kept-a', 1);
});
afterAll(async () => {
  await h.close();
  await tdb.drop();
});

describe('dashboard data kept in memory', () => {
  it('a second load with nothing changed is served from memory and equals metrics.series', async () => {
    const got = await loadKept(a);
    await expectSeries(a, got);
    const reads = cacheWork.daysReads;
    await load(a, 'day');
    // Another grain is another computation, over the same days: nothing is read again.
    expect(cacheWork.daysReads).toBe(reads);
  });

  it('a write on a day of a closed month, or of the compared range, shows on the next load', async () => {
    let before = await loadKept(a);
    await a.api.points.upsert({ slug: a.slug, key: 'orders', points: [{ ts: '2024-02-10T06:00:00Z', value: 5000 }] });
    before = await loadChanged(a, before);
    // The formula's part that is not on the dashboard.
    await loadKept(a);
    await a.api.points.upsert({ slug: a.slug, key: 'visits', points: [{ ts: '2024-03-05T12:00:00Z', value: 1 }] });
    before = await loadChanged(a, before);
    // A day of the previous range only (the comparison line).
    await loadKept(a);
    await a.api.points.upsert({ slug: a.slug, key: 'price', points: [{ ts: '2023-08-01T00:00:00Z', value: 99999 }] });
    await loadChanged(a, before);
  });

  it("after a write, only the written metric's series and the formulas' are computed again", async () => {
    const before = await loadKept(a);
    const computed = cacheWork.seriesComputed;
    await a.api.points.upsert({ slug: a.slug, key: 'price', points: [{ ts: '2024-04-02T06:00:00Z', value: 777 }] });
    const got = await loadChanged(a, before);
    // The by-week load that loadChanged made first: Price and the formula (which may read any plain
    // metric), not Orders, whose kept series is handed out again.
    expect(cacheWork.seriesComputed - computed).toBeGreaterThanOrEqual(2);
    const after = cacheWork.seriesComputed;
    await a.api.points.upsert({ slug: a.slug, key: 'price', points: [{ ts: '2024-04-03T06:00:00Z', value: 778 }] });
    const next = await load(a);
    expect(cacheWork.seriesComputed - after).toBe(2);
    expect(next.tiles[0]!.data.points).toBe(got.tiles[0]!.data.points);
    expect(next.tiles[0]!.moreData[0]).not.toEqual(got.tiles[0]!.moreData[0]);
    await expectSeries(a, next);
  });

  it('a deleted point shows on the next load', async () => {
    const before = await loadKept(a);
    await a.api.points.delete({ slug: a.slug, key: 'orders', ts: ['2024-02-10T06:00:00Z'] });
    await loadChanged(a, before);
  });

  it("a changed aggregation, formula or formula part's aggregation shows on the next load", async () => {
    const update = (key: string, name: string, def: { aggregation?: 'sum' | 'max'; formula?: string }) =>
      a.api.metrics.update({ slug: a.slug, key, name, ...def });
    let before = await loadKept(a);
    await update('orders', 'Orders', { aggregation: 'max' });
    before = await loadChanged(a, before);
    await loadKept(a);
    await update('conversion', 'Conversion', { formula: 'orders * 2 / visits' });
    before = await loadChanged(a, before);
    await loadKept(a);
    await update('visits', 'Visits', { aggregation: 'max' });
    await loadChanged(a, before);
  });

  it('a target added to a metric shows on the next load', async () => {
    const before = await loadKept(a);
    await a.api.targets.create({ slug: a.slug, key: 'orders', kind: 'recurring', grain: 'month', value: 100 });
    const got = await load(a);
    expect(got.tiles[0]!.data.target?.target).toBe(100);
    expect(got.tiles[0]!.data.points.some((p) => p.target !== null)).toBe(true);
    expect(before.tiles[0]!.data.target).toBeNull();
  });

  it('a timezone or week start change shows on the next load', async () => {
    const org = await a.api.org.get({ slug: a.slug });
    const settings = (timezone: string, weekStart: number) =>
      a.api.org.update({ slug: a.slug, name: org.organization.name, timezone, weekStart });
    let before = await loadKept(a);
    await settings('Pacific/Auckland', 1);
    before = await loadChanged(a, before);
    await loadKept(a);
    // Sunday weeks: the range (from a Monday) now starts inside a week, which the dashboard clips
    // and metrics.series does not, so the weeks are checked by their starts and the days by value.
    await settings('Pacific/Auckland', 0);
    const sundays = await load(a);
    expect(sundays.tiles).not.toEqual(before.tiles);
    expect(sundays.tiles[0]!.data.points.every((p) => new Date(`${p.start}T00:00:00Z`).getUTCDay() === 0)).toBe(true);
    await expectSeries(a, await load(a, 'day'));
    await loadKept(a);
    await settings('Pacific/Auckland', 1);
    await loadChanged(a, sundays);
  });

  it("another organization's dashboard of the same shape gets its own values", async () => {
    const b = await organization('kept-b', 7);
    const gotB = await loadKept(b);
    await expectSeries(b, gotB);
    const gotA = await load(a);
    expect(gotA.tiles[0]!.data.points).not.toEqual(gotB.tiles[0]!.data.points);
    await expectSeries(a, gotA);
  });

  it('series handed out are read-only', async () => {
    const got = await load(a);
    expect(Object.isFrozen(got.tiles[0]!.data.points[0])).toBe(true);
  });

  it('the output check still refuses a bad point in a copy of a kept answer (not a number, a field too many)', async () => {
    const got = await load(a);
    expect(() => parseDashboardData(structuredClone(got))).not.toThrow();
    const nan = structuredClone(got);
    nan.tiles[0]!.moreData[0]!.points[3]!.value = Number.NaN;
    expect(() => parseDashboardData(nan)).toThrow(/Invalid series points/);
    const extra = structuredClone(got);
    Object.assign(extra.tiles[0]!.data.points[0]!, { tenantId: 'x' });
    expect(() => parseDashboardData(extra)).toThrow(/Invalid series points/);
  });
});

describe('bounded cache', () => {
  it('holds at most its bytes, dropping the least recently used entries first', () => {
    const cache = new BoundedCache<string>(100, (v) => v.length);
    cache.set('a', 'x'.repeat(40));
    cache.set('b', 'x'.repeat(40));
    expect(cache.get('a')).toHaveLength(40); // now the most recently used
    cache.set('c', 'x'.repeat(40));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toHaveLength(40);
    expect(cache.get('c')).toHaveLength(40);
    expect(cache.bytes).toBe(80);
    cache.set('big', 'x'.repeat(101));
    expect(cache.get('big')).toBeUndefined();
    expect(cache.size).toBe(2);
  });
});
