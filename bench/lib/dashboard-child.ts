/**
 * The dashboards benchmark's web-side process: builds the API exactly as the web server does
 * (app role, real auth, real context) and loads a dashboard through the server-side caller, so the
 * parent can read this process's peak memory on its own. Prints one JSON line and exits.
 * Input (env): APP_URL, COOKIE, SLUG, DASHBOARD_ID, FROM, TO, GRAIN, LOADS, CONCURRENCY.
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
const input = { slug: env('SLUG'), id: env('DASHBOARD_ID'), from: env('FROM'), to: env('TO'), grain: env('GRAIN') as 'day' };

const latencies: number[] = [];
let tiles = 0;
let points = 0;
let next = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < loads) {
      next += 1;
      const t0 = performance.now();
      const caller = createCaller(await createContext({ req: new Request('http://localhost/', { headers }), resHeaders: new Headers(), clientIp: '127.0.0.1' }));
      const out = await caller.dashboards.get(input);
      latencies.push(performance.now() - t0);
      tiles = out.tiles.length;
      points = out.tiles.reduce((n, t) => n + t.data.points.length, 0);
    }
  }),
);
await api.close();
await db.destroy();
process.stdout.write(`${JSON.stringify({ latencies, tiles, points, maxRssKb: process.resourceUsage().maxRSS })}\n`);
