import { TRPCError } from '@trpc/server';
import { createDb, sql, withTenant } from '@mfiq/db';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formulaWork, MAX_FORMULA_LEVELS, MAX_FORMULA_TERMS } from './metrics/formula-graph.ts';
import { createPlatform } from './platform.ts';
import { createCaller } from './root.ts';
import { createHarness, type Harness } from './testing/harness.ts';

/**
 * Issue 11, finding 3's last part: the largest legal input of each read procedure finishes inside
 * the server's bound (the pool's statement_timeout, as in production) while another organization's
 * requests still answer at the same time; work is counted (formula evaluations), never timed. A
 * request that does run past the bound is a clear TIMEOUT answer, not an internal error.
 */
let tdb: TestDatabase;
let h: Harness;
type Api = Awaited<ReturnType<Harness['as']>>;
let a: { slug: string; api: Api; key: string; cookie: string };
let b: { slug: string; api: Api; dashboardId: string };
let dashboardId: string;
let fourMetricBoardId: string;
let importId: string;

const DAYS = 3700; // metrics.series' longest range
const FROM = '2015-01-01';
const day = (n: number) => new Date(Date.parse(`${FROM}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
type Line = { points: { value: number | null }[] };
const sumOf = (ref: string, width: number) => Array.from({ length: width }, () => ref).join(' + ');

beforeAll(async () => {
  tdb = await createTestDatabase();
  h = createHarness(tdb, { apiKeyRateLimit: { points: 1000, durationSec: 60 } });
  const owner = await h.signUp('bounds-a');
  const api = await h.as(owner.cookie);
  for (let m = 0; m < 4; m++) {
    await api.metrics.create({ slug: owner.slug, key: `p${m}`, name: `P${m}`, aggregation: m % 2 ? 'avg' : 'sum' });
    for (let at = 0; at < DAYS; at += 1000) {
      const n = Math.min(1000, DAYS - at);
      await api.points.upsert({
        slug: owner.slug,
        key: `p${m}`,
        points: Array.from({ length: n }, (_, i) => ({ date: day(at + i), value: ((at + i) % 17) + m })),
      });
    }
  }
  // The widest legal formula (exactly 1,000 terms) and the deepest (8 levels).
  await api.metrics.create({
    slug: owner.slug,
    key: 'w1',
    name: 'W1',
    formula: 'p0 + p1 * 2 - p2 / (p3 + 1) + p0 + p1 + p2 + p3', // 10 terms
  });
  await api.metrics.create({ slug: owner.slug, key: 'w2', name: 'W2', formula: sumOf('w1', 10) });
  await api.metrics.create({ slug: owner.slug, key: 'wide', name: 'Wide', formula: sumOf('w2', 10) });
  await api.metrics.create({ slug: owner.slug, key: 'd1', name: 'D1', formula: 'p0 / p1' });
  for (let l = 2; l <= MAX_FORMULA_LEVELS; l++)
    await api.metrics.create({ slug: owner.slug, key: `d${l}`, name: `D${l}`, formula: `d${l - 1} * 2 + p${l % 4}` });
  await api.targets.create({ slug: owner.slug, key: 'wide', kind: 'recurring', grain: 'month', value: 1000 });
  // The most tiles a dashboard holds, the widest and deepest formulas among them.
  const board = await api.dashboards.create({ slug: owner.slug, name: 'Everything' });
  dashboardId = board.id;
  const keys = ['wide', `d${MAX_FORMULA_LEVELS}`, 'p0', 'p1', 'p2', 'p3', 'w1', 'w2', 'd4'];
  for (let t = 0; t < 24; t++)
    await api.dashboards.addTile({ slug: owner.slug, dashboardId, metricKey: keys[t % keys.length]!, kind: 'line' });
  // The largest legal dashboard: 24 tiles of four metrics each (96 lines), every tile carrying a
  // formula at one of the bounds (the widest or the deepest) beside other formulas and plain metrics.
  const four = await api.dashboards.create({ slug: owner.slug, name: 'Everything, four a tile' });
  fourMetricBoardId = four.id;
  const others = ['p0', 'p1', 'p2', 'p3', 'w1', 'w2', 'd1', 'd4', 'd6'];
  for (let t = 0; t < 24; t++)
    await api.dashboards.addTile({
      slug: owner.slug,
      dashboardId: fourMetricBoardId,
      metricKey: t % 2 ? 'wide' : `d${MAX_FORMULA_LEVELS}`,
      kind: t % 3 ? 'line' : 'bar',
      moreMetricKeys: [0, 1, 2].map((k) => others[(t + k * 3) % others.length]!),
    });
  // An import with the most rejected rows kept (10,000), as a fixture.
  const uploaded = await api.imports.upload({
    slug: owner.slug,
    fileName: 'bad.csv',
    file: (async function* () {
      yield Buffer.from('metric,ts,value\np0,x,1\n');
    })(),
  });
  importId = uploaded.id;
  const tenantId = (
    await tdb.owner
      .selectFrom('organizations')
      .select('tenantId')
      .where('slug', '=', owner.slug)
      .executeTakeFirstOrThrow()
  ).tenantId;
  await withTenant(tdb.owner, { tenantId }, (trx) =>
    sql`insert into import_errors (tenant_id, import_id, line, message)
        select ${tenantId}, ${importId}, g, 'Value is not a number' from generate_series(2, 10001) g`.execute(trx),
  );
  const key = (await h.createKey(owner.cookie, owner.slug, ['metrics:read'])).token;
  a = { slug: owner.slug, api, key, cookie: owner.cookie };

  const other = await h.signUp('bounds-b');
  const bApi = await h.as(other.cookie);
  await bApi.metrics.create({ slug: other.slug, key: 'visits', name: 'Visits' });
  const bBoard = await bApi.dashboards.create({ slug: other.slug, name: 'B' });
  await bApi.dashboards.addTile({ slug: other.slug, dashboardId: bBoard.id, metricKey: 'visits', kind: 'number' });
  b = { slug: other.slug, api: bApi, dashboardId: bBoard.id };
}, 300_000);

afterAll(async () => {
  await h.close();
  await tdb.drop();
});

describe('the largest legal reads finish within the server’s bound', () => {
  it('every read procedure at its limits, all at once, while the other organization still answers', async () => {
    const to = day(DAYS - 1);
    const weeks = { from: '2016-01-04', to: '2023-09-03' }; // 400 weeks (Monday to Sunday): the most points a tile shows
    const before = formulaWork.operations;
    const keyApi = await h.asKey(a.key);
    const reads: [string, () => Promise<unknown>][] = [
      [
        'metrics.series wide by day',
        () => a.api.metrics.series({ slug: a.slug, key: 'wide', grain: 'day', from: FROM, to }),
      ],
      [
        'metrics.series deep by day',
        () => a.api.metrics.series({ slug: a.slug, key: `d${MAX_FORMULA_LEVELS}`, grain: 'day', from: FROM, to }),
      ],
      ['api.series wide by day', () => keyApi.api.series({ key: 'wide', grain: 'day', from: FROM, to })],
      [
        'metrics.periodToDate',
        () => a.api.metrics.periodToDate({ slug: a.slug, key: 'wide', grain: 'quarter', asOf: to }),
      ],
      ['targets.list', () => a.api.targets.list({ slug: a.slug, key: 'wide', asOf: to })],
      [
        'dashboards.get 24 tiles, 400 weeks',
        () => a.api.dashboards.get({ slug: a.slug, id: dashboardId, grain: 'week', ...weeks }),
      ],
      [
        'dashboards.get by month',
        () => a.api.dashboards.get({ slug: a.slug, id: dashboardId, grain: 'month', from: FROM, to }),
      ],
      [
        'dashboards.get 24 tiles of 4 metrics, 400 weeks',
        () => a.api.dashboards.get({ slug: a.slug, id: fourMetricBoardId, grain: 'week', ...weeks }),
      ],
      [
        'dashboards.get 24 tiles of 4 metrics by month',
        () => a.api.dashboards.get({ slug: a.slug, id: fourMetricBoardId, grain: 'month', from: FROM, to }),
      ],
      [
        'audit.list widest range',
        () => a.api.audit.list({ slug: a.slug, from: '2025-01-01', to: '2026-01-01', limit: 500 }),
      ],
      ['imports.errors 10,000 rows', () => a.api.imports.errors({ slug: a.slug, id: importId })],
      ['points.list', () => a.api.points.list({ slug: a.slug, key: 'p0', limit: 1000 })],
      ['metrics.list', () => a.api.metrics.list({ slug: a.slug, limit: 1000 })],
    ];
    const other: [string, () => Promise<unknown>][] = [
      ['B metrics.get', () => b.api.metrics.get({ slug: b.slug, key: 'visits' })],
      ['B dashboards.get', () => b.api.dashboards.get({ slug: b.slug, id: b.dashboardId })],
      [
        'B metrics.series',
        () =>
          b.api.metrics.series({ slug: b.slug, key: 'visits', grain: 'month', from: '2024-01-01', to: '2024-12-31' }),
      ],
    ];
    const outcomes = await Promise.all(
      [...reads, ...other].map(([name, fn]) =>
        fn().then(
          (r) => ({ name, ok: true as const, r }),
          (e: unknown) => ({
            name,
            ok: false as const,
            e: e instanceof TRPCError ? `${e.code}: ${e.message}` : String(e),
          }),
        ),
      ),
    );
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
    const series = outcomes.find((o) => o.name === 'metrics.series wide by day')!;
    expect((series as { r: { points: unknown[] } }).r.points).toHaveLength(1000);
    // Every tile shows its four lines over the 400 weeks, the formulas at the bounds with values.
    const board = outcomes.find((o) => o.name === 'dashboards.get 24 tiles of 4 metrics, 400 weeks')!;
    const tiles = (board as { r: { tiles: { metric: { key: string }; data: Line; moreData: Line[] }[] } }).r.tiles;
    expect(tiles.map((t) => [t.data, ...t.moreData].map((l) => l.points.length))).toEqual(
      Array.from({ length: 24 }, () => [400, 400, 400, 400]),
    );
    for (const t of tiles) expect(t.data.points.filter((p) => p.value !== null).length, t.metric.key).toBe(400);
    const errors = outcomes.find((o) => o.name === 'imports.errors 10,000 rows')!;
    expect((errors as { r: { rows: unknown[] } }).r.rows).toHaveLength(10_000);
    // Work: every formula evaluated once per bucket. A graph within the bounds has at most four
    // tree nodes per term; the buckets of these reads add up to fewer than 12,000.
    expect(formulaWork.operations - before).toBeLessThanOrEqual(4 * MAX_FORMULA_TERMS * 12_000);
  }, 300_000);

  it('a request past statement_timeout is a clear TIMEOUT answer, not an internal error', async () => {
    const slow = createDb(tdb.urls.app, { statementTimeoutMs: 1, applicationName: 'mfiq-slow' });
    try {
      // The session is read as usual; the procedure's tenant transaction runs on the 1 ms pool.
      const ctx = await h.createContext({
        req: new Request('http://localhost/api/trpc', { headers: { cookie: a.cookie } }),
        resHeaders: new Headers(),
        clientIp: '203.0.113.9',
      });
      const caller = createCaller({ ...ctx, platform: createPlatform(slow) });
      const err = await caller.metrics
        .series({ slug: a.slug, key: 'wide', grain: 'day', from: FROM, to: day(DAYS - 1) })
        .then(
          () => null,
          (e: unknown) => e as TRPCError,
        );
      expect(err?.code).toBe('TIMEOUT');
      expect(err?.message).toMatch(/needs more work than the server allows for one request/);
    } finally {
      await slow.destroy();
    }
  });
});
