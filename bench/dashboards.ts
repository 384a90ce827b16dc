/**
 * Issue 4 benchmark, "Dashboards at scale": a tenant with many metrics and points (plus other
 * tenants), a 12-tile dashboard over a year of daily data loaded through the caller in a child
 * process (median, p95 and that process's peak RSS), and rollup-backed series against a raw scan of
 * the same points for a series over 1 million points.
 *
 *   quick (default): pnpm bench dashboards
 *   full size:       BENCH_DASH_METRICS=1000 BENCH_DASH_POINTS=10000000 BENCH_DASH_OTHER_POINTS=500000 pnpm bench dashboards
 *
 * Data is generated as the owner role inside withTenant with INSERT ... SELECT generate_series, in
 * chunks, so the rollup trigger maintains the daily rollups exactly as for any other write.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createDb, sql, withTenant, type Database } from '@mfiq/db';
import { startThrowawayCluster } from '@mfiq/db/throwaway';
import { createCaller, createContextFactory } from '@mfiq/api/server';
import { benchApiDeps, confirmationToken } from './lib/api-deps.ts';
import { median } from './lib/measure.ts';

const METRICS = Number(process.env.BENCH_DASH_METRICS ?? 100);
const POINTS = Number(process.env.BENCH_DASH_POINTS ?? 1_500_000);
const HEAVY = Number(process.env.BENCH_DASH_HEAVY_POINTS ?? 1_000_000);
const OTHER_TENANTS = Number(process.env.BENCH_DASH_OTHER_TENANTS ?? 3);
const OTHER_POINTS = Number(process.env.BENCH_DASH_OTHER_POINTS ?? 50_000);
const LOADS = Number(process.env.BENCH_DASH_LOADS ?? 60);
const CONCURRENCY = Number(process.env.BENCH_DASH_CONCURRENCY ?? 4);
const SERIES_RUNS = Number(process.env.BENCH_DASH_SERIES_RUNS ?? 7);
const SPAN_DAYS = 730;
const CHUNK = 400_000;

const pct = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
};
const ms = (v: number) => Number(v.toFixed(1));

/**
 * `metrics` plain metrics m_0000..; `heavy` points on m_0000 (spread over two years), the rest of
 * `points` spread evenly over the others. Values follow a weekly cycle with noise.
 */
async function generate(owner: Database, tenantId: string, metrics: number, points: number, heavy: number, log: (s: string) => void) {
  await withTenant(owner, { tenantId }, (trx) =>
    sql`insert into metrics (tenant_id, key, name, aggregation)
        select ${tenantId}::uuid, 'm_' || lpad(g::text, 4, '0'), 'Metric ' || g, (array['sum','avg','last','max'])[1 + g % 4]::metric_aggregation
          from generate_series(0, ${metrics - 1}::int) g`.execute(trx),
  );
  const ids = await withTenant(owner, { tenantId }, (trx) => trx.selectFrom('metrics').select(['id', 'key']).where('tenantId', '=', tenantId).orderBy('key').execute());
  const end = Date.now();
  const insert = async (metricIds: string[], perMetric: number, from: number, to: number) =>
    withTenant(owner, { tenantId }, (trx) =>
      sql`insert into data_points (tenant_id, metric_id, ts, value)
          select ${tenantId}::uuid, m, to_timestamp(${end / 1000}::float8 - g * ${(SPAN_DAYS * 86_400) / perMetric}::float8),
                 round((100 + 40 * sin(g * 6.283 / greatest(1, ${perMetric / (SPAN_DAYS / 7)}::float8)) + random() * 20)::numeric, 2)
            from unnest(${metricIds}::uuid[]) m, generate_series(${from}::int, ${to}::int) g
          on conflict do nothing`.execute(trx),
    );
  const heavyId = ids[0]!.id;
  for (let from = 0; from < heavy; from += CHUNK) {
    await insert([heavyId], heavy, from, Math.min(heavy, from + CHUNK) - 1);
    log(`  heavy metric: ${Math.min(heavy, from + CHUNK).toLocaleString()} / ${heavy.toLocaleString()} points`);
  }
  const rest = ids.slice(1).map((r) => r.id);
  const perMetric = rest.length ? Math.floor((points - heavy) / rest.length) : 0;
  if (perMetric > 0) {
    const metricsPerChunk = Math.max(1, Math.floor(CHUNK / perMetric));
    for (let i = 0; i < rest.length; i += metricsPerChunk) {
      await insert(rest.slice(i, i + metricsPerChunk), perMetric, 0, perMetric - 1);
      log(`  metrics: ${Math.min(rest.length, i + metricsPerChunk)} / ${rest.length} (${perMetric.toLocaleString()} points each)`);
    }
  }
  return { heavyId, keys: ids.map((r) => r.key) };
}

function runChild(env: Record<string, string>): Promise<{ latencies: number[]; tiles: number; points: number; maxRssKb: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./lib/dashboard-child.ts', import.meta.url))], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!)) : reject(new Error(`dashboard child exited with ${code}`))));
  });
}

export async function benchDashboards() {
  const log = (s: string) => process.stderr.write(`[dashboards] ${s}\n`);
  const cluster = await startThrowawayCluster('bench_dash');
  const owner = createDb(cluster.urls.owner, { max: 2, statementTimeoutMs: 3_600_000 });
  const app = createDb(cluster.urls.app, { max: 4, statementTimeoutMs: 600_000 });
  const apiDeps = benchApiDeps(app, cluster.urls.app);
  const createContext = createContextFactory(apiDeps.deps);
  const ctx = async (cookie?: string) => createContext({ req: new Request('http://localhost/', { headers: cookie ? { cookie } : {} }), resHeaders: new Headers(), clientIp: '127.0.0.1' });
  const signUp = async (i: number) => {
    await createCaller(await ctx()).auth.signUp({ email: `dash-${i}@example.com`, password: 'bench password 123', displayName: `D ${i}`, organizationName: `Dash ${i}` });
    const c = await ctx();
    const out = await createCaller(c).auth.completeSignUp({ token: await confirmationToken(cluster.urls.owner, `dash-${i}@example.com`) });
    const cookie = c.resHeaders.getSetCookie()[0]!.split(';')[0]!;
    const { tenantId } = await owner.selectFrom('organizations').select('tenantId').where('slug', '=', out.organization.slug).executeTakeFirstOrThrow();
    return { slug: out.organization.slug, cookie, tenantId };
  };

  const started = performance.now();
  const big = await signUp(0);
  log(`generating the big tenant: ${METRICS} metrics, ${POINTS.toLocaleString()} points`);
  const { keys } = await generate(owner, big.tenantId, METRICS, POINTS, HEAVY, log);
  for (let i = 1; i <= OTHER_TENANTS; i++) {
    const t = await signUp(i);
    log(`other tenant ${i}`);
    await generate(owner, t.tenantId, 20, OTHER_POINTS, 0, () => {});
  }
  const generateSec = (performance.now() - started) / 1000;
  await sql`analyze`.execute(owner);
  const counts = await withTenant(owner, { tenantId: big.tenantId }, (trx) =>
    sql<{ points: number; rollups: number }>`select (select count(*) from data_points)::int as points, (select count(*) from metric_daily_rollups)::int as rollups`.execute(trx),
  );

  // The 12-tile dashboard: number cards, line and bar charts and a table over twelve metrics,
  // the heavy one and a formula among them.
  const api = createCaller(await ctx(big.cookie));
  await api.metrics.create({ slug: big.slug, key: 'ratio', name: 'Ratio', formula: `${keys[1]} / ${keys[2]}` });
  const d = await api.dashboards.create({ slug: big.slug, name: 'Scale' });
  const tileKeys = [keys[0]!, 'ratio', ...keys.slice(3, 13)].slice(0, 12);
  const kinds = ['number', 'line', 'bar', 'table'] as const;
  for (const [i, key] of tileKeys.entries()) await api.dashboards.addTile({ slug: big.slug, dashboardId: d.id, metricKey: key, kind: kinds[i % 4]! });
  const today = new Date().toISOString().slice(0, 10);
  const yearAgo = new Date(Date.now() - 364 * 86_400_000).toISOString().slice(0, 10);
  const child = await runChild({
    APP_URL: cluster.urls.app,
    COOKIE: big.cookie,
    SLUG: big.slug,
    DASHBOARD_ID: d.id,
    FROM: yearAgo,
    TO: today,
    GRAIN: 'day',
    LOADS: String(LOADS),
    CONCURRENCY: String(CONCURRENCY),
  });

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
  const heavyPoints = await withTenant(owner, { tenantId: big.tenantId }, (trx) =>
    sql<{ n: number }>`select count(*)::int as n from data_points where metric_id = (select id from metrics where key = ${heavyKey})`.execute(trx),
  );

  await apiDeps.close();
  await app.destroy();
  await owner.destroy();
  await cluster.stop();
  return {
    name: 'dashboards',
    what: '12-tile dashboard over a year of daily data through the caller in a child process; series over >= 1M points: rollups vs raw scan',
    tenant: { metrics: METRICS, points: counts.rows[0]!.points, rollupRows: counts.rows[0]!.rollups, otherTenants: OTHER_TENANTS, otherTenantPoints: OTHER_POINTS },
    generateSec: Math.round(generateSec),
    dashboard: {
      tiles: child.tiles,
      pointsPerLoad: child.points,
      loads: child.latencies.length,
      concurrency: CONCURRENCY,
      medianMs: ms(median(child.latencies)),
      p95Ms: ms(pct(child.latencies, 0.95)),
      webProcessPeakRssMb: Math.round(child.maxRssKb / 1024),
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
