import { TRPCError } from '@trpc/server';
import { withTenant } from '@mfiq/db';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRestHandler } from '../../http/rest.ts';
import { formulaWork, MAX_FORMULA_LEVELS } from '../../metrics/formula-graph.ts';
import { createHarness, type Harness } from '../../testing/harness.ts';

/**
 * Finding 3 (issue 11): `b = a+a+...`, `c = b+b+...` made one request re-evaluate a formula an
 * exponential number of times. Saving refuses such a graph; one stored before the bound (inserted
 * here past the check, as a tenant's existing data) is refused or shown without values by every
 * read path with bounded work, counted in formula evaluations, never timed.
 */
let tdb: TestDatabase;
let h: Harness;
let api: Awaited<ReturnType<Harness['as']>>;
let slug: string;
let tenantId: string;
let keyToken: string;

const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e as TRPCError,
  );
const create = (key: string, formula?: string) => api.metrics.create({ slug, key, name: key, formula });
const sumOf = (ref: string, width: number) => Array.from({ length: width }, () => ref).join(' + ');

/** Stores formula metrics as-is (as an old row would be), past the save-time checks. */
async function storeFormulas(defs: [key: string, formula: string][]) {
  await withTenant(tdb.owner, { tenantId }, (trx) =>
    trx
      .insertInto('metrics')
      .values(defs.map(([key, formula]) => ({ tenantId, key, name: key, formula })))
      .execute(),
  );
}

/** Runs a read and returns how many formula evaluations (node x bucket) it cost. */
async function work<T>(fn: () => Promise<T>): Promise<{ out: T | TRPCError; operations: number }> {
  const before = formulaWork.operations;
  const out = await fn().catch((e: unknown) => e as TRPCError);
  return { out, operations: formulaWork.operations - before };
}

beforeAll(async () => {
  tdb = await createTestDatabase();
  h = createHarness(tdb);
  const owner = await h.signUp('formula');
  slug = owner.slug;
  api = await h.as(owner.cookie);
  tenantId = (
    await tdb.owner.selectFrom('organizations').select('tenantId').where('slug', '=', slug).executeTakeFirstOrThrow()
  ).tenantId;
  keyToken = (await h.createKey(owner.cookie, slug, ['metrics:read'])).token;
  await create('a');
  await api.points.upsert({
    slug,
    key: 'a',
    points: Array.from({ length: 400 }, (_, i) => ({ date: dayAfter('2023-01-01', i), value: (i % 9) + 1 })),
  });
  // The exploding chain of the finding, stored before the bound: 10^6 terms written out.
  await storeFormulas([
    ['old1', sumOf('a', 10)],
    ['old2', sumOf('old1', 10)],
    ['old3', sumOf('old2', 10)],
    ['old4', sumOf('old3', 10)],
    ['old5', sumOf('old4', 10)],
    ['old6', sumOf('old5', 10)],
  ]);
});
afterAll(() => tdb.drop());

function dayAfter(start: string, days: number) {
  return new Date(Date.parse(`${start}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

describe('formula bounds at save time', () => {
  it('refuses the exploding chain with a field error naming the limit on terms', async () => {
    await create('x1', sumOf('a', 10));
    await create('x2', sumOf('x1', 10));
    await create('x3', sumOf('x2', 10)); // 1,000 terms: at the limit, allowed
    const err = await errorOf(create('x4', 'x3 + x3'));
    expect(err?.code).toBe('BAD_REQUEST');
    expect(err?.message).toMatch(/more than 1,000 terms once the formulas it uses are written out/);
    expect((err as { fieldErrors?: Record<string, string[]> }).fieldErrors?.formula?.[0]).toMatch(/limit is 1,000/);
    expect(await errorOf(api.metrics.get({ slug, key: 'x4' }))).toMatchObject({ code: 'NOT_FOUND' });
  });

  it(`refuses formulas more than ${MAX_FORMULA_LEVELS} levels deep`, async () => {
    await create('d1', 'a * 2');
    for (let l = 2; l <= MAX_FORMULA_LEVELS; l++) await create(`d${l}`, `d${l - 1} + 1`);
    const err = await errorOf(create('d9', `d${MAX_FORMULA_LEVELS} + 1`));
    expect(err?.message).toMatch(/more than 8 levels deep \(the limit is 8\)/);
  });

  it('refuses an edit that takes a formula using this one past the bound, naming that formula', async () => {
    await create('y1', 'a + a');
    await create('y2', sumOf('y1', 10));
    await create('y3', sumOf('y2', 10)); // 200 terms
    const err = await errorOf(api.metrics.update({ slug, key: 'y1', name: 'y1', formula: sumOf('a', 11) }));
    expect(err?.message).toMatch(/With this formula, the formula of "y3" has more than 1,000 terms/);
    expect((await api.metrics.get({ slug, key: 'y1' })).formula).toBe('a + a');
  });

  it('two edits that are each within the bound cannot together exceed it (saves take turns)', async () => {
    await create('z1', 'a');
    await create('z2', 'z1');
    await create('z3', 'z2');
    // Each alone: 30 x 30 = 900 terms for z3. Both: 30 x 30 x 30.
    const results = await Promise.allSettled([
      api.metrics.update({ slug, key: 'z1', name: 'z1', formula: sumOf('a', 30) }),
      api.metrics.update({ slug, key: 'z2', name: 'z2', formula: sumOf('z1', 30) }),
      api.metrics.update({ slug, key: 'z3', name: 'z3', formula: sumOf('z2', 30) }),
    ]);

    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused.length).toBeGreaterThanOrEqual(1);
    const series = await api.metrics.series({ slug, key: 'z3', grain: 'month', from: '2023-01-01', to: '2023-12-31' });
    expect(series.points.length).toBe(12);
  });
});

describe('a stored formula past the bounds is evaluated with bounded work', () => {
  const range = { grain: 'day' as const, from: '2023-01-01', to: '2025-09-26' }; // 1,000 days

  it('metrics.series refuses it with a clear message and no formula evaluation', async () => {
    const { out, operations } = await work(() => api.metrics.series({ slug, key: 'old6', ...range }));
    expect(out).toBeInstanceOf(TRPCError);
    expect((out as TRPCError).code).toBe('BAD_REQUEST');
    expect((out as TRPCError).message).toMatch(/The formula of "old6" has more than 1,000 terms.*Edit the formula/);
    expect(operations).toBe(0);
  });

  it('metrics.periodToDate and targets.list answer without hanging', async () => {
    const ptd = await work(() => api.metrics.periodToDate({ slug, key: 'old6', grain: 'month', asOf: '2023-06-10' }));
    expect((ptd.out as TRPCError).message).toMatch(/more than 1,000 terms/);
    await api.targets.create({ slug, key: 'old6', kind: 'recurring', grain: 'month', value: 10 });
    const targets = await work(() => api.targets.list({ slug, key: 'old6', asOf: '2023-06-10' }));
    expect(targets.operations).toBe(0);
    expect((targets.out as { targets: { progress: { actual: unknown } }[] }).targets[0]!.progress.actual).toBeNull();
  });

  it('api.series (typed client) and GET /api/v1/metrics/:key/series refuse it the same way', async () => {
    const asKey = await h.asKey(keyToken);
    const typed = await work(() => asKey.api.series({ key: 'old6', ...range }));
    expect((typed.out as TRPCError).message).toMatch(/more than 1,000 terms/);
    expect(typed.operations).toBe(0);
    const rest = createRestHandler({ createContext: h.createContext, logger: pino({ level: 'silent' }) });
    const before = formulaWork.operations;
    const res = await rest(
      new Request(`http://localhost/api/v1/metrics/old5/series?grain=day&from=${range.from}&to=${range.to}`, {
        headers: { authorization: `Bearer ${keyToken}` },
      }),
      '198.51.100.9',
    );
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/"old5" has more than 1,000/);
    expect(formulaWork.operations - before).toBe(0);
  });

  it('dashboards.get shows such a tile without values while the other tiles compute', async () => {
    const board = await api.dashboards.create({ slug, name: 'Old formulas' });
    await api.dashboards.addTile({ slug, dashboardId: board.id, metricKey: 'old6', kind: 'line' });
    await api.dashboards.addTile({ slug, dashboardId: board.id, metricKey: 'old2', kind: 'line' });
    const { out, operations } = await work(() =>
      api.dashboards.get({ slug, id: board.id, from: '2023-01-01', to: '2023-12-31', grain: 'week' }),
    );
    const tiles = (out as Awaited<ReturnType<typeof api.dashboards.get>>).tiles;
    expect(tiles.find((t) => t.metric.key === 'old6')!.data.points.every((p) => p.value === null)).toBe(true);
    const old2 = tiles.find((t) => t.metric.key === 'old2')!.data;
    // old2 = 100 x a, each formula evaluated once over all buckets (old1: 19 nodes, old2: 19 nodes).
    const weeks = await api.metrics.series({ slug, key: 'a', grain: 'week', from: '2023-01-01', to: '2023-12-31' });
    expect(old2.points.map((p) => p.value)).toEqual(weeks.points.map((p) => (p.value ?? 0) * 100));
    // Buckets: each week and its previous, both range totals, and the target's progress.
    const buckets = old2.points.length * 2 + 4;
    expect(operations).toBeLessThanOrEqual(2 * 19 * buckets);
  });

  it('legal formulas still equal their definition through every read path (ratio of sums)', async () => {
    await create('b', undefined);
    await api.points.upsert({
      slug,
      key: 'b',
      points: Array.from({ length: 60 }, (_, i) => ({ date: dayAfter('2023-01-01', i * 3), value: i + 1 })),
    });
    await create('ratio', '(a - b) / (b + 1) * 100');
    const months = { grain: 'month' as const, from: '2023-01-01', to: '2023-06-30' };
    const [a, b, ratio] = await Promise.all(
      ['a', 'b', 'ratio'].map((key) => api.metrics.series({ slug, key, ...months })),
    );
    expect(ratio!.points.map((p) => p.value)).toEqual(
      a!.points.map((p, i) => {
        const bv = b!.points[i]!.value ?? 0;
        return (((p.value ?? 0) - bv) / (bv + 1)) * 100;
      }),
    );
    const viaKey = await (await h.asKey(keyToken)).api.series({ key: 'ratio', ...months });
    expect(viaKey.points).toEqual(ratio!.points);
  });
});
