/**
 * The dashboards benchmark's web-side process: builds the API exactly as the web server does
 * (app role, real auth, real context) and loads a dashboard through the server-side caller, so the
 * parent can read this process's peak memory on its own. Prints one JSON line and exits.
 * Input (env): APP_URL, COOKIE, SLUG, DASHBOARD_ID, FROM, TO, GRAIN, LOADS, CONCURRENCY, WARMUP,
 * and MODE: `dashboard` (dashboards.get, the default), `share` (a TV refresh: shares.view with
 * TOKEN, no session) or `page` (every procedure the dashboard page's loaders call, as Remix runs
 * them: root, organization layout and page loaders at once, each with its own context).
 * The first WARMUP loads (one at a time; the first one cold: connections, lazy code, JIT) are
 * reported apart; then 20 loads one at a time, then LOADS loads CONCURRENCY at a time (with this
 * process's CPU time per load over those).
 */
import { createDb } from '@mfiq/db';
import { createCaller, createContextFactory } from '@mfiq/api/server';
import { benchApiDeps } from './api-deps.ts';

const env = (k: string) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is required`);
  return v;
};
const loads = Number(env('LOADS'));
const concurrency = Number(env('CONCURRENCY'));
const db = createDb(env('APP_URL'), { max: concurrency + 2 });
const api = benchApiDeps(db, env('APP_URL'));
const createContext = createContextFactory(api.deps);
const headers = new Headers({ cookie: env('COOKIE') });
const mode = process.env.MODE ?? 'dashboard';
const input = {
  slug: env('SLUG'),
  id: env('DASHBOARD_ID'),
  from: env('FROM'),
  to: env('TO'),
  grain: env('GRAIN') as 'day',
};

const warmup = Number(process.env.WARMUP ?? 0);
const latencies: number[] = [];
const warmupLatencies: number[] = [];
let tiles = 0;
let points = 0;
const callerFor = async (h: Headers) =>
  createCaller(
    await createContext({
      req: new Request('http://localhost/', { headers: h }),
      resHeaders: new Headers(),
      clientIp: '127.0.0.1',
    }),
  );
const fetchData = async () => {
  if (mode === 'share') {
    const { from, to, grain } = input;
    return (await callerFor(new Headers())).shares.view({ token: env('TOKEN'), from, to, grain });
  }
  if (mode === 'page') {
    const { slug, id } = input;
    const [, , out] = await Promise.all([
      callerFor(headers).then((c) => Promise.all([c.auth.me(), c.org.list()])),
      callerFor(headers).then((c) => c.org.get({ slug })),
      callerFor(headers).then(async (c) => {
        const [got] = await Promise.all([
          c.dashboards.get(input),
          c.metrics.list({ slug, limit: 1000 }),
          c.annotations.list({ slug, dashboardId: id }),
          c.shares.list({ slug, dashboardId: id }),
        ]);
        return got;
      }),
    ]);
    return out;
  }
  return (await callerFor(headers)).dashboards.get(input);
};
const load = async (into: number[]) => {
  const t0 = performance.now();
  const out = await fetchData();
  into.push(performance.now() - t0);
  tiles = out.tiles.length;
  points = out.tiles.reduce(
    (n, t) => n + t.data.points.length + t.moreData.reduce((m, d) => m + d.points.length, 0),
    0,
  );
};
for (let i = 0; i < warmup; i++) await load(warmupLatencies);
// One user at a time, then `concurrency` at once (the headline figures).
const sequential: number[] = [];
for (let i = 0; i < Math.min(20, loads); i++) await load(sequential);
let next = 0;
const cpu0 = process.cpuUsage();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < loads) {
      next += 1;
      await load(latencies);
    }
  }),
);
const cpu = process.cpuUsage(cpu0);
await api.close();
await db.destroy();
process.stdout.write(
  `${JSON.stringify({ latencies, warmupLatencies, sequential, cpuMsPerLoad: (cpu.user + cpu.system) / 1000 / Math.max(1, latencies.length), tiles, points, maxRssKb: process.resourceUsage().maxRSS })}\n`,
);
