import { TRPCError } from '@trpc/server';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from '../../testing/harness.ts';

/**
 * Editing tiles in place, charts of several metrics, duplicates, templates and notes. Values are
 * compared with metrics.series (the independent SQL aggregation) for the same metric and periods.
 * The organization is in UTC with weeks starting on Monday.
 */
let tdb: TestDatabase;
let h: Harness;
let api: Awaited<ReturnType<Harness['as']>>;
let slug: string;

const days = (from: string, to: string) => {
  const out: string[] = [];
  for (let d = new Date(`${from}T00:00:00Z`); d <= new Date(`${to}T00:00:00Z`); d = new Date(d.getTime() + 86_400_000))
    out.push(d.toISOString().slice(0, 10));
  return out;
};
const code = (e: unknown) => (e instanceof TRPCError ? e.code : `threw ${String(e)}`);

beforeAll(async () => {
  tdb = await createTestDatabase();
  h = createHarness(tdb);
  const owner = await h.signUp('edit');
  slug = owner.slug;
  api = await h.as(owner.cookie);
  const org = await api.org.get({ slug });
  await api.org.update({ slug, name: org.organization.name, timezone: 'UTC', weekStart: 1 });
  await api.metrics.create({ slug, key: 'signups', name: 'Signups', tags: ['growth'] });
  await api.metrics.create({ slug, key: 'visitors', name: 'Visitors', tags: ['growth'] });
  await api.metrics.create({ slug, key: 'trials', name: 'Trials', aggregation: 'max' });
  await api.metrics.create({ slug, key: 'latency', name: 'Latency', aggregation: 'avg', unit: 'duration' });
  await api.metrics.create({ slug, key: 'revenue', name: 'Revenue', unit: 'currency', currency: 'EUR' });
  await api.metrics.create({
    slug,
    key: 'conversion',
    name: 'Conversion',
    unit: 'percent',
    formula: 'signups / visitors',
  });
  const series = (key: string, f: (i: number) => number) =>
    api.points.upsert({
      slug,
      key,
      points: days('2023-01-01', '2024-06-30').map((date, i) => ({ date, value: f(i) })),
    });
  await series('signups', (i) => (i % 7) + 1);
  await series('visitors', (i) => 100 + (i % 30));
  await series('trials', (i) => i % 13);
  await series('latency', (i) => 200 + (i % 11) * 3);
  await series('revenue', (i) => 1000 + i);
});
afterAll(async () => {
  await h.close();
  await tdb.drop();
});

describe('multi-metric tiles', () => {
  it('a chart of four metrics of two units: each line equals metrics.series, with its comparison', async () => {
    const d = await api.dashboards.create({ slug, name: 'Funnel' });
    const tile = await api.dashboards.addTile({
      slug,
      dashboardId: d.id,
      metricKey: 'signups',
      kind: 'line',
      moreMetricKeys: ['visitors', 'conversion', 'trials'],
    });
    // Numbers and a percent: two units, two axes.
    expect(tile.more.map((m) => m.key)).toEqual(['visitors', 'conversion', 'trials']);
    await api.dashboards.updateTile({ slug, dashboardId: d.id, tileId: tile.id, compareTo: 'previous_year' });
    const input = { slug, id: d.id, from: '2024-01-01', to: '2024-06-30', grain: 'month' as const };
    const got = await api.dashboards.get(input);
    const [t] = got.tiles;
    expect(t!.compareTo).toBe('previous_year');
    expect(t!.view).toMatchObject({
      from: '2024-01-01',
      to: '2024-06-30',
      previousFrom: '2023-01-01',
      previousTo: '2023-06-30',
    });
    const lines = [t!.data, ...t!.moreData];
    expect(lines).toHaveLength(4);
    for (const [i, key] of ['signups', 'visitors', 'conversion', 'trials'].entries()) {
      const s = await api.metrics.series({ slug, key, grain: 'month', from: '2024-01-01', to: '2024-06-30' });
      expect(
        lines[i]!.points.map((p) => p.value),
        key,
      ).toEqual(s.points.map((p) => p.value));
      // Same period last year: the series' yearAgo for whole months.
      expect(
        lines[i]!.points.map((p) => p.previous),
        key,
      ).toEqual(s.points.map((p) => p.yearAgo));
    }
  });

  it('four-metric tiles read in one batch by day: every line of every tile equals metrics.series, each aggregation', async () => {
    // Every aggregation (min, last and count here, with days missing), a formula, two units per
    // chart, a tile with its own grain and one compared with last year, all in one load.
    await api.metrics.create({ slug, key: 'floor', name: 'Floor', aggregation: 'min' });
    await api.metrics.create({ slug, key: 'level', name: 'Level', aggregation: 'last' });
    await api.metrics.create({ slug, key: 'events', name: 'Events', aggregation: 'count' });
    const gappy = (key: string, f: (i: number) => number) =>
      api.points.upsert({
        slug,
        key,
        points: days('2023-01-01', '2024-06-30')
          .map((date, i) => ({ date, value: f(i) }))
          .filter((_, i) => i % 5 !== 0),
      });
    await gappy('floor', (i) => 50 - (i % 17));
    await gappy('level', (i) => (i * 7) % 23);
    await gappy('events', (i) => i);
    const d = await api.dashboards.create({ slug, name: 'Batched' });
    const add = (metricKey: string, kind: 'line' | 'bar', moreMetricKeys: string[]) =>
      api.dashboards.addTile({ slug, dashboardId: d.id, metricKey, kind, moreMetricKeys });
    await add('signups', 'line', ['visitors', 'conversion', 'trials']);
    const yearly = await add('latency', 'bar', ['floor', 'level', 'events']);
    await api.dashboards.updateTile({ slug, dashboardId: d.id, tileId: yearly.id, compareTo: 'previous_year' });
    const weekly = await add('revenue', 'line', ['signups', 'events']);
    await api.dashboards.updateTile({ slug, dashboardId: d.id, tileId: weekly.id, grain: 'week' });

    const got = await api.dashboards.get({ slug, id: d.id, from: '2024-03-04', to: '2024-05-26', grain: 'day' });
    expect(got.tiles.map((t) => [t.view.grain, t.moreData.length])).toEqual([
      ['day', 3],
      ['day', 3],
      ['week', 2],
    ]);
    for (const t of got.tiles) {
      const lines = [t.data, ...t.moreData];
      for (const [i, m] of [t.metric, ...t.more].entries()) {
        const s = await api.metrics.series({ slug, key: m.key, grain: t.view.grain, from: t.view.from, to: t.view.to });
        expect(s.points.length, m.key).toBeGreaterThan(10);
        expect(
          lines[i]!.points.map((p) => [p.start, p.value]),
          `${m.key} by ${t.view.grain}`,
        ).toEqual(s.points.map((p) => [p.start, p.value]));
        // The comparison line is the series of the compared dates (the same days a year before).
        if (t.compareTo === 'previous_year') {
          const before = { grain: t.view.grain, from: t.view.previousFrom, to: t.view.previousTo };
          const p = await api.metrics.series({ slug, key: m.key, ...before });
          expect(
            lines[i]!.points.map((x) => x.previous),
            `${m.key} a year before`,
          ).toEqual(p.points.map((x) => x.value));
        }
      }
    }
    // The gaps are there (no value, not zero) and the batch did not shift any metric's days.
    const events = got.tiles[1]!.moreData[2]!.points;
    expect(events.filter((p) => p.value === null).length).toBeGreaterThan(10);
    expect(events.every((p) => p.value === null || p.value === 1)).toBe(true);
  });

  it('refuses a third unit, a repeated metric, more metrics on a number card, and an unknown one', async () => {
    const d = await api.dashboards.create({ slug, name: 'Refusals' });
    const add = (moreMetricKeys: string[], kind: 'line' | 'number' = 'line') =>
      api.dashboards
        .addTile({ slug, dashboardId: d.id, metricKey: 'signups', kind, moreMetricKeys })
        .catch((e: unknown) => e);
    for (const [more, kind, message] of [
      [['revenue', 'latency'], 'line', /at most two units/],
      [['signups'], 'line', /appears once/],
      [['visitors'], 'number', /Only line and bar charts/],
      [['ghost'], 'line', /No metric with key "ghost"/],
    ] as const) {
      const e = await add([...more], kind);
      expect(code(e), String(message)).toBe('BAD_REQUEST');
      expect((e as TRPCError).message).toMatch(message);
    }
    expect((await api.dashboards.get({ slug, id: d.id })).tiles).toEqual([]);
  });
});

describe('editing tiles in place', () => {
  it('changes metric, kind, range, grain, title and width; one audited event lists what changed', async () => {
    const d = await api.dashboards.create({ slug, name: 'Editable' });
    const tile = await api.dashboards.addTile({
      slug,
      dashboardId: d.id,
      metricKey: 'signups',
      kind: 'bar',
      moreMetricKeys: ['visitors'],
    });
    expect(tile.width).toBe(2);
    const after = await api.dashboards.updateTile({
      slug,
      dashboardId: d.id,
      tileId: tile.id,
      metricKey: 'revenue',
      kind: 'number',
      title: 'Revenue this quarter',
      range: 'qtd',
      grain: 'month',
      width: 2,
    });
    // A number card keeps only its first metric.
    expect(after).toMatchObject({
      kind: 'number',
      title: 'Revenue this quarter',
      range: 'qtd',
      grain: 'month',
      width: 2,
      more: [],
    });
    expect(after.metric.key).toBe('revenue');
    // The tile keeps its own view whatever the page asks for.
    const page = await api.dashboards.get({ slug, id: d.id, range: '7d', grain: 'day' });
    expect(page.tiles[0]!.view).toMatchObject({ preset: 'qtd', grain: 'month' });
    expect(page.grain).toBe('day');
    const s = await api.metrics.series({
      slug,
      key: 'revenue',
      grain: 'month',
      from: page.tiles[0]!.view.from,
      to: page.tiles[0]!.view.to,
    });
    expect(page.tiles[0]!.data.points.map((p) => p.value)).toEqual(s.points.map((p) => p.value));
    // Following the page again.
    await api.dashboards.updateTile({ slug, dashboardId: d.id, tileId: tile.id, range: null, grain: null, title: '' });
    const back = await api.dashboards.get({ slug, id: d.id, from: '2024-03-01', to: '2024-03-31', grain: 'week' });
    expect(back.tiles[0]).toMatchObject({ title: null, range: null, grain: null });
    expect(back.tiles[0]!.view).toMatchObject({ from: '2024-03-01', to: '2024-03-31', grain: 'week' });
    const events = await tdb.admin
      .selectFrom('auditOutbox')
      .select(['action', 'before', 'after'])
      .where('targetId', '=', d.id)
      .where('action', '=', 'dashboard.tile_updated')
      .orderBy('occurredAt')
      .execute();
    expect(events).toHaveLength(2);
    expect(events[0]!.before).toEqual({
      tileId: tile.id,
      metrics: 'signups,visitors',
      kind: 'bar',
      title: null,
      range: null,
      grain: null,
    });
    expect(events[0]!.after).toEqual({
      tileId: tile.id,
      metrics: 'revenue',
      kind: 'number',
      title: 'Revenue this quarter',
      range: 'qtd',
      grain: 'month',
    });
    // Nothing to change: no event.
    await api.dashboards.updateTile({ slug, dashboardId: d.id, tileId: tile.id, width: 2 });
    expect(
      await tdb.admin
        .selectFrom('auditOutbox')
        .select('id')
        .where('targetId', '=', d.id)
        .where('action', '=', 'dashboard.tile_updated')
        .execute(),
    ).toHaveLength(2);
  });

  it("a tile of another dashboard or organization is not found, and another organization's metric cannot be put on one", async () => {
    const a = await api.dashboards.create({ slug, name: 'A' });
    const b = await api.dashboards.create({ slug, name: 'B' });
    const tile = await api.dashboards.addTile({ slug, dashboardId: a.id, metricKey: 'signups', kind: 'line' });
    expect(
      code(
        await api.dashboards
          .updateTile({ slug, dashboardId: b.id, tileId: tile.id, title: 'x' })
          .catch((e: unknown) => e),
      ),
    ).toBe('NOT_FOUND');
    const other = await h.signUp('edit-other');
    const o = await h.as(other.cookie);
    await o.metrics.create({ slug: other.slug, key: 'theirs', name: 'Theirs' });
    expect(
      code(
        await o.dashboards
          .updateTile({ slug: other.slug, dashboardId: a.id, tileId: tile.id, title: 'x' })
          .catch((e: unknown) => e),
      ),
    ).toBe('NOT_FOUND');
    const e = await api.dashboards
      .updateTile({ slug, dashboardId: a.id, tileId: tile.id, moreMetricKeys: ['theirs'] })
      .catch((x: unknown) => x);
    expect((e as TRPCError).message).toMatch(/No metric with key "theirs"/);
  });
});

describe('duplicates and templates', () => {
  it('a duplicate copies every tile with its metrics and settings, is not the default, and is audited', async () => {
    const d = await api.dashboards.create({ slug, name: 'Original' });
    await api.dashboards.addTile({
      slug,
      dashboardId: d.id,
      metricKey: 'signups',
      kind: 'line',
      moreMetricKeys: ['visitors'],
    });
    const t2 = await api.dashboards.addTile({ slug, dashboardId: d.id, metricKey: 'revenue', kind: 'number' });
    await api.dashboards.updateTile({ slug, dashboardId: d.id, tileId: t2.id, range: 'ytd', width: 2, title: 'YTD' });
    const copy = await api.dashboards.duplicate({ slug, id: d.id });
    expect(copy).toMatchObject({ name: 'Copy of Original', isDefault: false, tileCount: 2 });
    const strip = (tiles: { id: string; position: number }[]) => tiles.map(({ id: _id, ...rest }) => rest);
    const [orig, dup] = await Promise.all([
      api.dashboards.get({ slug, id: d.id, from: '2024-01-01', to: '2024-03-31' }),
      api.dashboards.get({ slug, id: copy.id, from: '2024-01-01', to: '2024-03-31' }),
    ]);
    expect(strip(dup.tiles)).toEqual(strip(orig.tiles));
    const ev = await tdb.admin
      .selectFrom('auditOutbox')
      .select(['action', 'after'])
      .where('targetId', '=', copy.id)
      .execute();
    expect(ev.map((e) => e.action)).toEqual(['dashboard.duplicated']);
    expect(ev[0]!.after).toMatchObject({ sourceId: d.id, tileCount: 2 });
  });

  it('templates offer what the catalog can fill and tile the matching metrics', async () => {
    const offered = await api.dashboards.templates({ slug });
    expect(offered.map((t) => t.id)).toEqual(expect.arrayContaining(['growth', 'sales']));
    expect(offered.find((t) => t.id === 'support')).toBeUndefined();
    expect(offered.find((t) => t.id === 'growth')!.metrics.map((m) => m.key)).toEqual(['visitors', 'signups']);
    const made = await api.dashboards.createFromTemplate({ slug, template: 'growth' });
    expect(made).toMatchObject({ name: 'Growth', tileCount: 2 });
    const got = await api.dashboards.get({ slug, id: made.id });
    expect(got.tiles.map((t) => [t.metric.key, t.kind])).toEqual([
      ['visitors', 'number'],
      ['signups', 'number'],
    ]);
  });
});

describe('annotations', () => {
  it('notes on a metric and on a dashboard show on the tiles covering their dates, and are audited', async () => {
    const d = await api.dashboards.create({ slug, name: 'Notes' });
    const tile = await api.dashboards.addTile({
      slug,
      dashboardId: d.id,
      metricKey: 'signups',
      kind: 'line',
      moreMetricKeys: ['visitors'],
    });
    await api.dashboards.addTile({ slug, dashboardId: d.id, metricKey: 'revenue', kind: 'line' });
    const onMetric = await api.annotations.create({
      slug,
      metricKey: 'visitors',
      date: '2024-03-10',
      body: 'Campaign launch',
    });
    await api.annotations.create({ slug, dashboardId: d.id, date: '2024-03-20', body: 'Pricing change' });
    await api.annotations.create({ slug, metricKey: 'visitors', date: '2023-01-05', body: 'Out of range' });
    const got = await api.dashboards.get({ slug, id: d.id, from: '2024-03-01', to: '2024-03-31', grain: 'week' });
    const bodies = (i: number) => got.tiles[i]!.annotations.map((a) => a.body);
    expect(got.tiles[0]!.id).toBe(tile.id);
    expect(bodies(0)).toEqual(['Campaign launch', 'Pricing change']);
    // The revenue tile has the dashboard's note only.
    expect(bodies(1)).toEqual(['Pricing change']);
    expect(await api.annotations.list({ slug, metricKey: 'visitors', from: '2024-01-01' })).toHaveLength(1);
    await api.annotations.update({ slug, id: onMetric.id, body: 'Spring campaign launch' });
    await api.annotations.delete({ slug, id: onMetric.id });
    expect(await api.annotations.list({ slug, metricKey: 'visitors' })).toHaveLength(1);
    const events = await tdb.admin
      .selectFrom('auditOutbox')
      .select('action')
      .where('action', 'like', 'annotation.%')
      .orderBy('occurredAt')
      .execute();
    expect(events.map((e) => e.action)).toEqual([
      'annotation.created',
      'annotation.created',
      'annotation.created',
      'annotation.updated',
      'annotation.deleted',
    ]);
    const other = await h.signUp('notes-other');
    const o = await h.as(other.cookie);
    for (const call of [
      () => o.annotations.list({ slug: other.slug, dashboardId: d.id }),
      () => o.annotations.create({ slug: other.slug, dashboardId: d.id, date: '2024-01-01', body: 'x' }),
      () => o.annotations.delete({ slug: other.slug, id: onMetric.id }),
    ])
      expect(code(await call().catch((e: unknown) => e))).toBe('NOT_FOUND');
  });
});
