/**
 * Issue 4 benchmark, "Dashboards at scale": a tenant with many metrics and points (plus other
 * tenants), a 12-tile dashboard over a year of daily data loaded through the caller in a child
 * process (median, p95 and that process's peak RSS), and rollup-backed series against a raw scan of
 * the same points for a series over 1 million points.
 *
 *   quick (default, ~1 min): pnpm bench dashboards
 *   full size (~3 min):      BENCH_DASH_METRICS=1000 BENCH_DASH_POINTS=10000000 BENCH_DASH_OTHER_POINTS=500000 pnpm bench dashboards
 *   (BENCH_DASH_GO_FILE=/tmp/go: seed, then wait for that file before measuring)
 *
 * Data is generated as the throwaway cluster's superuser with the rollup trigger off and the rollups
 * built in bulk (lib/dash-data.ts); a sample is then checked against the trigger's own function and
 * the run fails if they differ. The dashboard is loaded WARMUP times one at a time (the first load
 * cold, reported), 20 times one at a time, then LOADS times CONCURRENCY at a time (median, p95).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { setTimeout } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createDb, sql, withTenant, type Database } from '@mfiq/db';
import { startThrowawayCluster } from '@mfiq/db/throwaway';
import { createCaller, createContextFactory, issueFormPass } from '@mfiq/api/server';
import { benchApiDeps, confirmationToken } from './lib/api-deps.ts';
import { checkRollups, generateTenant, SPAN_DAYS, type RollupCheck } from './lib/dash-data.ts';
import { median } from './lib/measure.ts';

const METRICS = Number(process.env.BENCH_DASH_METRICS ?? 100);
const POINTS = Number(process.env.BENCH_DASH_POINTS ?? 1_500_000);
const HEAVY = Number(process.env.BENCH_DASH_HEAVY_POINTS ?? 1_000_000);
const OTHER_TENANTS = Number(process.env.BENCH_DASH_OTHER_TENANTS ?? 3);
const OTHER_POINTS = Number(process.env.BENCH_DASH_OTHER_POINTS ?? 50_000);
const LOADS = Number(process.env.BENCH_DASH_LOADS ?? 60);
const WARMUP = Number(process.env.BENCH_DASH_WARMUP ?? 5);
const CONCURRENCY = Number(process.env.BENCH_DASH_CONCURRENCY ?? 4);
const SERIES_RUNS = Number(process.env.BENCH_DASH_SERIES_RUNS ?? 7);
/** When set, measuring starts only once this file exists: seed the full size once while the code under test is still changing. */
const GO_FILE = process.env.BENCH_DASH_GO_FILE;

const pct = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
};
const ms = (v: number) => Number(v.toFixed(1));

function runChild(env: Record<string, string>): Promise<{
  latencies: number[];
  warmupLatencies: number[];
  sequential: number[];
  tiles: number;
  points: number;
  maxRssKb: number;
}> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./lib/dashboard-child.ts', import.meta.url))],
      {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.once('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split('\n').pop()!))
        : reject(new Error(`dashboard child exited with ${code}`)),
    );
  });
}

type ChildRun = Awaited<ReturnType<typeof runChild>>;

/** Two runs of one child as one: every latency of both (the first run's cold load first), the higher peak. */
const merged = (x: ChildRun, y: ChildRun): ChildRun => ({
  latencies: [...x.latencies, ...y.latencies],
  warmupLatencies: [...x.warmupLatencies, ...y.warmupLatencies],
  sequential: [...x.sequential, ...y.sequential],
  tiles: x.tiles,
  points: x.points,
  maxRssKb: Math.max(x.maxRssKb, y.maxRssKb),
});

export interface DashboardBenchSetup {
  cluster: Awaited<ReturnType<typeof startThrowawayCluster>>;
  big: { slug: string; cookie: string; tenantId: string };
  keys: string[];
  dashboardId: string;
  /** 12 line and bar tiles of four metrics each (48 metrics), and a share link to the single-metric one. */
  multiDashboardId: string;
  shareToken: string;
  generateSec: number;
  rollupCheck: RollupCheck;
  api: ReturnType<typeof createCaller>;
  app: Database;
  close(): Promise<void>;
}

/**
 * The cluster, the big tenant (timezone America/New_York, so local days differ from UTC ones and
 * cross DST) and the other tenants with their data, rollups checked against the trigger, and the
 * 12-tile dashboard.
 */
export async function setupDashboardBench(log: (s: string) => void): Promise<DashboardBenchSetup> {
  const cluster = await startThrowawayCluster('bench_dash');
  const owner = createDb(cluster.urls.owner, { max: 2, statementTimeoutMs: 3_600_000 });
  const admin = createDb(cluster.urls.admin, { max: 2, statementTimeoutMs: 3_600_000 });
  const app = createDb(cluster.urls.app, { max: 4, statementTimeoutMs: 600_000 });
  const apiDeps = benchApiDeps(app, cluster.urls.app);
  const createContext = createContextFactory(apiDeps.deps);
  const ctx = async (cookie?: string) =>
    createContext({
      req: new Request('http://localhost/', { headers: cookie ? { cookie } : {} }),
      resHeaders: new Headers(),
      clientIp: '127.0.0.1',
    });
  const signUp = async (i: number) => {
    // As the sign-up page's action does once its anti-abuse checks pass.
    const names = { displayName: `D ${i}`, organizationName: `Dash ${i}` };
    await createCaller({ ...(await ctx()), formPass: issueFormPass('sign-up') }).auth.signUp({
      email: `dash-${i}@example.com`,
      ...names,
    });
    const c = await ctx();
    const out = await createCaller(c).auth.completeSignUp({
      token: await confirmationToken(cluster.urls.owner, `dash-${i}@example.com`),
      password: 'bench password 123',
      ...names,
    });
    const cookie = c.resHeaders.getSetCookie()[0]!.split(';')[0]!;
    const { tenantId } = await owner
      .selectFrom('organizations')
      .select('tenantId')
      .where('slug', '=', out.organization.slug)
      .executeTakeFirstOrThrow();
    return { slug: out.organization.slug, cookie, tenantId };
  };

  const started = performance.now();
  const big = await signUp(0);
  await sql`update organizations set timezone = 'America/New_York' where tenant_id = ${big.tenantId}::uuid`.execute(
    admin,
  );
  log(`generating the big tenant: ${METRICS} metrics, ${POINTS.toLocaleString()} points`);
  const gen = await generateTenant(admin, {
    tenantId: big.tenantId,
    metrics: METRICS,
    points: POINTS,
    heavy: HEAVY,
    log,
  });
  const others = [];
  for (let i = 1; i <= OTHER_TENANTS; i++) {
    const t = await signUp(i);
    log(`other tenant ${i}: 20 metrics, ${OTHER_POINTS.toLocaleString()} points`);
    others.push(
      await generateTenant(admin, { tenantId: t.tenantId, metrics: 20, points: OTHER_POINTS, heavy: 0, log: () => {} }),
    );
  }
  log('vacuum analyze');
  await sql`vacuum analyze`.execute(admin);
  const generateSec = (performance.now() - started) / 1000;
  log(`generated in ${Math.round(generateSec)} s; checking rollups against the trigger's function on a sample`);
  // The heavy metric, one metric of each aggregation, the last metric, and one of another tenant.
  const sample = [...new Set([0, 1, 2, 3, 4, gen.ids.length - 1])]
    .filter((i) => i < gen.ids.length)
    .map((i) => gen.ids[i]!);
  const rollupCheck = await checkRollups(admin, [
    { tenantId: big.tenantId, metricIds: sample },
    ...others.slice(0, 1).map((o) => ({ tenantId: o.tenantId, metricIds: [o.ids[0]!] })),
  ]);
  log(`rollups match the trigger's: ${JSON.stringify(rollupCheck)}`);

  // The 12-tile dashboard: number cards, line and bar charts and a table over twelve metrics,
  // the heavy one and a formula among them.
  const keys = gen.keys;
  const api = createCaller(await ctx(big.cookie));
  await api.metrics.create({ slug: big.slug, key: 'ratio', name: 'Ratio', formula: `${keys[1]} / ${keys[2]}` });
  const d = await api.dashboards.create({ slug: big.slug, name: 'Scale' });
  const tileKeys = [keys[0]!, 'ratio', ...keys.slice(3, 13)].slice(0, 12);
  const kinds = ['number', 'line', 'bar', 'table'] as const;
  for (const [i, key] of tileKeys.entries())
    await api.dashboards.addTile({ slug: big.slug, dashboardId: d.id, metricKey: key, kind: kinds[i % 4]! });
  // The same twelve tiles as charts of four metrics: each tile's own metric and three more (the
  // heavy one and the formula among them), so a load reads 48 metrics' rollups.
  const multi = await api.dashboards.create({ slug: big.slug, name: 'Scale, four metrics a tile' });
  const pool = [...tileKeys, ...keys.slice(13, 13 + 36)];
  for (const [i, key] of tileKeys.entries()) {
    await api.dashboards.addTile({
      slug: big.slug,
      dashboardId: multi.id,
      metricKey: key,
      kind: i % 2 ? 'bar' : 'line',
      moreMetricKeys: [1, 2, 3].map((k) => pool[(12 + i * 3 + k - 1) % pool.length]!),
    });
  }
  const share = await api.shares.create({ slug: big.slug, dashboardId: d.id, label: 'Bench TV' });
  return {
    cluster,
    big,
    keys,
    dashboardId: d.id,
    multiDashboardId: multi.id,
    shareToken: share.token,
    generateSec,
    rollupCheck,
    api,
    app,
    async close() {
      await apiDeps.close();
      await app.destroy();
      await owner.destroy();
      await admin.destroy();
      await cluster.stop();
    },
  };
}

export async function benchDashboards() {
  const log = (s: string) => process.stderr.write(`[dashboards] ${s}\n`);
  const setup = await setupDashboardBench(log);
  const { cluster, big, keys, api, app, generateSec, rollupCheck } = setup;
  if (GO_FILE) {
    log(`seeded; waiting for ${GO_FILE} before measuring`);
    while (!existsSync(GO_FILE)) await setTimeout(2_000);
  }
  const counts = await withTenant(app, { tenantId: big.tenantId }, (trx) =>
    sql<{
      points: number;
      rollups: number;
    }>`select (select count(*) from data_points)::int as points, (select count(*) from metric_daily_rollups)::int as rollups`.execute(
      trx,
    ),
  );
  const today = new Date().toISOString().slice(0, 10);
  const yearAgo = new Date(Date.now() - 364 * 86_400_000).toISOString().slice(0, 10);
  const childEnv = {
    APP_URL: cluster.urls.app,
    COOKIE: big.cookie,
    SLUG: big.slug,
    FROM: yearAgo,
    TO: today,
    GRAIN: 'day',
    LOADS: String(LOADS),
    CONCURRENCY: String(CONCURRENCY),
    WARMUP: String(WARMUP),
  };
  // In one run on the same data: single-metric tiles (the baseline) against the same tiles with
  // four metrics each, then a TV refresh of the single-metric board through its share link (data
  // only) against the procedures the dashboard page's loaders call.
  // Each pair runs A, B, B, A and pools the two runs of each: the machine's other work drifts over
  // minutes, and this order gives both sides the same share of it.
  const pair = async (a: Record<string, string>, b: Record<string, string>) => {
    const a1 = await runChild(a);
    const b1 = await runChild(b);
    const b2 = await runChild(b);
    const a2 = await runChild(a);
    return [merged(a1, a2), merged(b1, b2)] as const;
  };
  log('single-metric and four-metric dashboards (A B B A)');
  const [child, multi] = await pair(
    { ...childEnv, DASHBOARD_ID: setup.dashboardId },
    { ...childEnv, DASHBOARD_ID: setup.multiDashboardId },
  );
  log("TV refreshes through the share link and the dashboard page's loaders (A B B A)");
  const [tv, page] = await pair(
    { ...childEnv, DASHBOARD_ID: setup.dashboardId, MODE: 'share', TOKEN: setup.shareToken },
    { ...childEnv, DASHBOARD_ID: setup.dashboardId, MODE: 'page' },
  );
  const figures = (c: ChildRun) => ({
    tiles: c.tiles,
    pointsPerLoad: c.points,
    loads: c.latencies.length,
    firstLoadMs: ms(c.warmupLatencies[0] ?? 0),
    oneAtATimeMedianMs: ms(median(c.sequential)),
    warmupLoads: c.warmupLatencies.length,
    concurrency: CONCURRENCY,
    medianMs: ms(median(c.latencies)),
    p95Ms: ms(pct(c.latencies, 0.95)),
    webProcessPeakRssMb: Math.round(c.maxRssKb / 1024),
  });
  const ratio = (a: number, b: number) => Number((a / b).toFixed(2));

  // A series over the heavy metric's whole span (>= 1M points): the rollup-backed procedure
  // against a raw scan that aggregates the same points by local week in SQL (the raw side computes
  // only the values, not the comparisons, so the ratio is conservative).
  const from = new Date(Date.now() - SPAN_DAYS * 86_400_000).toISOString().slice(0, 10);
  const heavyKey = keys[0]!;
  const rollup: number[] = [];
  const raw: number[] = [];
  let rawRows = 0;
  for (let i = 0; i < SERIES_RUNS; i++) {
    let t0 = performance.now();
    await api.metrics.series({ slug: big.slug, key: heavyKey, grain: 'week', from, to: today });
    rollup.push(performance.now() - t0);
    t0 = performance.now();
    const r = await withTenant(app, { tenantId: big.tenantId }, (trx) =>
      sql<{ n: number }>`select count(*) over ()::int as n from (
          select date_trunc('week', p.ts at time zone o.timezone) as wk, sum(p.value), count(*)
            from data_points p join organizations o on o.tenant_id = p.tenant_id
           where p.tenant_id = ${big.tenantId} and p.metric_id = (select id from metrics where key = ${heavyKey})
             and p.ts >= ${from}::date and p.ts < ${today}::date + 1
           group by 1) w limit 1`.execute(trx),
    );
    raw.push(performance.now() - t0);
    rawRows = r.rows[0]?.n ?? 0;
  }
  const heavyPoints = await withTenant(app, { tenantId: big.tenantId }, (trx) =>
    sql<{
      n: number;
    }>`select count(*)::int as n from data_points where metric_id = (select id from metrics where key = ${heavyKey})`.execute(
      trx,
    ),
  );

  await setup.close();
  return {
    name: 'dashboards',
    what: '12-tile dashboard over a year of daily data through the caller in a child process, with one and with four metrics a tile, a TV refresh through a share link against the page loaders; series over >= 1M points: rollups vs raw scan',
    tenant: {
      metrics: METRICS,
      points: counts.rows[0]!.points,
      rollupRows: counts.rows[0]!.rollups,
      otherTenants: OTHER_TENANTS,
      otherTenantPoints: OTHER_POINTS,
    },
    generateSec: Math.round(generateSec),
    rollupCheck,
    dashboard: figures(child),
    fourMetricTiles: {
      ...figures(multi),
      medianVsSingle: ratio(median(multi.latencies), median(child.latencies)),
      p95VsSingle: ratio(pct(multi.latencies, 0.95), pct(child.latencies, 0.95)),
      target: 1.5,
    },
    tvRefresh: {
      ...figures(tv),
      pageLoaders: figures(page),
      p95VsPageLoaders: ratio(pct(tv.latencies, 0.95), pct(page.latencies, 0.95)),
    },
    series: {
      points: heavyPoints.rows[0]!.n,
      weeks: rawRows,
      rollupMedianMs: ms(median(rollup)),
      rawScanMedianMs: ms(median(raw)),
      ratio: Number((median(raw) / median(rollup)).toFixed(1)),
      target: 10,
    },
  };
}
