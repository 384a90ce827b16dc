/**
 * Issue 12 benchmark, the request path over HTTP. The real web server (production build) runs in its
 * own process against a throwaway cluster with the demo organization; this process is the client
 * (keep-alive connections). It compares a signed-in tRPC GET of a tenant query (org.get: session,
 * membership, tenant entry, one indexed query) with a bare handler in the web's process running the
 * same indexed query on the same pool with no middleware and no auth, in alternating rounds (ratio of
 * medians), then reports p50/p95 at 1 and 8 concurrent clients for /healthz, anonymous auth.me, the
 * /security page and the 12-tile demo dashboard page (signed in).
 *
 *   pnpm bench http        (BENCH_ROUNDS, BENCH_DURATION_MS, BENCH_PAGE_MS to change the lengths)
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { seedDemo, DEMO_ORG } from '@mfiq/api/seed';
import { createDb } from '@mfiq/db';
import { startThrowawayCluster } from '@mfiq/db/throwaway';
import { ensureBuilt } from '@mfiq/web/test/harness.ts';
import { httpClient } from './lib/http-client.ts';
import { compare, runFor } from './lib/measure.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 3000);
const PAGE_MS = Number(process.env.BENCH_PAGE_MS ?? 2000);
const CONCURRENCY = 8;
const PASSWORD = randomBytes(12).toString('base64url');

/** The web server and its bare neighbour in a child process; resolves once both listen. */
export function startWebChild(env: Record<string, string>) {
  const child = fork(fileURLToPath(new URL('./lib/web-child.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      FORM_MIN_FILL_MS: '0',
      FORM_RATE_LIMIT_PER_IP: '1000000',
      FORM_RATE_LIMIT_PER_FORM: '1000000',
      APP_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      FORM_SECRET: randomBytes(32).toString('hex'),
      BACKUP_KEYS: `bench:${randomBytes(32).toString('base64')}`,
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const ready = new Promise<{ url: string; bareUrl: string }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { url: string; bareUrl: string }));
    child.once('exit', (code) => reject(new Error(`web child exited with ${code}`)));
  });
  return {
    ready,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

const ms = (v: number) => Number(v.toFixed(2));

export async function benchHttp() {
  await ensureBuilt();
  const cluster = await startThrowawayCluster('bench_http');
  const owner = createDb(cluster.urls.owner, { max: 2 });
  await seedDemo(owner, { password: PASSWORD });
  const admin = createDb(cluster.urls.admin, { max: 1 });
  const { tenantId } = await admin
    .selectFrom('organizations')
    .select('tenantId')
    .where('slug', '=', DEMO_ORG.slug)
    .executeTakeFirstOrThrow();
  const { id: dashboardId } = await admin
    .selectFrom('dashboards')
    .select('id')
    .where('tenantId', '=', tenantId)
    .executeTakeFirstOrThrow();
  const web = startWebChild({ APP_DATABASE_URL: cluster.urls.app, DB_POOL_MAX: '10' });
  const client = httpClient();
  try {
    const { url, bareUrl } = await web.ready;
    const cookie = await client.signIn(url, 'owner@demo.test', PASSWORD);
    const signedIn = { cookie };
    const input = encodeURIComponent(JSON.stringify({ json: { slug: DEMO_ORG.slug } }));
    const orgGet = `${url}/api/trpc/org.get?input=${input}`;
    const bare = `${bareUrl}/?t=${tenantId}`;
    const first = JSON.parse((await client.get(orgGet, signedIn)).body) as { result?: { data?: { json?: unknown } } };
    if (!first.result?.data?.json) throw new Error('org.get did not answer');
    const bareRow = JSON.parse((await client.get(bare)).body) as unknown;

    const api = await compare({
      rounds: ROUNDS,
      durationMs: DURATION_MS,
      concurrency: CONCURRENCY,
      baseline: () => client.get(bare),
      candidate: () => client.get(orgGet, signedIn),
    });

    const kinds: Record<string, () => Promise<unknown>> = {
      healthz: () => client.get(`${url}/healthz`),
      // Signed out, auth.me answers 401 (no database work): the cost of the API path itself.
      'auth.me anonymous': () => client.request(`${url}/api/trpc/auth.me`, { accept: 401 }),
      '/security': () => client.get(`${url}/security`),
      'dashboard page (12 tiles, signed in)': () =>
        client.get(`${url}/orgs/${DEMO_ORG.slug}/dashboards/${dashboardId}`, signedIn),
    };
    const pages: Record<string, Record<string, number>> = {};
    for (const [kind, op] of Object.entries(kinds)) {
      await runFor(500, 2, op);
      const one = await runFor(PAGE_MS, 1, op);
      const eight = await runFor(PAGE_MS, CONCURRENCY, op);
      pages[kind] = {
        opsPerSec1: Math.round(one.opsPerSec),
        p50Ms1: ms(one.p50Ms),
        p95Ms1: ms(one.p95Ms),
        opsPerSec8: Math.round(eight.opsPerSec),
        p50Ms8: ms(eight.p50Ms),
        p95Ms8: ms(eight.p95Ms),
      };
    }
    return {
      name: 'http',
      what: 'signed-in GET /api/trpc/org.get vs a bare handler (same process, same pool, same indexed query, no auth), then p50/p95 per page at 1 and 8 clients',
      concurrency: CONCURRENCY,
      bareAnswersARow: bareRow !== null,
      bareOpsPerSec: Math.round(api.baseline.opsPerSec),
      orgGetOpsPerSec: Math.round(api.candidate.opsPerSec),
      ratio: Number(api.ratio.toFixed(3)),
      target: 0.5,
      pages,
    };
  } finally {
    client.close();
    await web.stop();
    await admin.destroy();
    await owner.destroy();
    await cluster.stop();
  }
}
