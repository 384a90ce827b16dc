/**
 * Issue 12, scale-out proof: its own PostgreSQL, pgbouncer in transaction mode in front of it (when
 * the binary is installed), two web processes and two worker processes, then a mixed load for a
 * bounded time across ORGS organizations: signed-in page loads and tRPC reads, API-key push
 * batches, sign-ins through the login form, a CSV import (staged as the upload route stores it, run
 * by a worker), the audit drain, and a backup of every organization started in the middle. Reports throughput and p50/p95/p99 per kind, errors (must be 0), the audit
 * outbox's drain lag, then checks the invariants: every pushed point stored exactly once, every
 * audit event drained and chained, no row of another tenant visible (sampled, as the app role in a
 * tenant transaction and over HTTP with another organization's slug). Loopback only.
 *
 *   pnpm bench load      (BENCH_LOAD_ORGS=50, BENCH_LOAD_SECONDS=20, BENCH_LOAD_IMPORT_ROWS=20000)
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCaller, createContextFactory, issueFormPass } from '@mfiq/api/server';
import { createDb, sql, verifyTenantChain, withTenant } from '@mfiq/db';
import { PGBOUNCER_BIN, startPgbouncer, type RunningPgbouncer } from '@mfiq/db/testing';
import { startThrowawayCluster } from '@mfiq/db/throwaway';
import { ensureBuilt } from '@mfiq/web/test/harness.ts';
import { createImportTenant, generateCsv, stageImport } from '@mfiq/worker/testing/imports';
import { startWebChild } from './http.ts';
import { benchApiDeps, confirmationToken } from './lib/api-deps.ts';
import { httpClient } from './lib/http-client.ts';

const ORGS = Number(process.env.BENCH_LOAD_ORGS ?? 50);
const SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 20);
const BATCH = 100;
const IMPORT_ROWS = Number(process.env.BENCH_LOAD_IMPORT_ROWS ?? 20_000);
const PASSWORD = 'load password 123 long enough';

interface Org {
  slug: string;
  tenantId: string;
  email: string;
  cookie: string;
  apiKey: string;
  pushed: number;
}

/** Starts apps/worker/src/main.ts as its own process and resolves once it reports "worker started". */
function startWorker(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: fileURLToPath(new URL('../apps/worker/', import.meta.url)),
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (c: string) => {
      out = (out + c).slice(-20_000);
      if (out.includes('"worker started"')) resolve();
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}\n${out}`)));
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

const pct = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Number((s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0).toFixed(1));
};

export async function benchLoad() {
  await ensureBuilt();
  const cluster = await startThrowawayCluster('bench_load');
  const admin = createDb(cluster.urls.admin, { max: 2 });
  const app = createDb(cluster.urls.app, { max: 4 });
  const workerDb = createDb(cluster.urls.worker, { max: 2 });
  const owner = createDb(cluster.urls.owner, { max: 2 });
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'mfiq-load-'));
  const stops: (() => Promise<unknown>)[] = [];
  const client = httpClient(64);
  try {
    // Organizations, each with its owner's session, a metric and a push key (through the API itself).
    const { deps, close } = benchApiDeps(app, cluster.urls.app);
    stops.push(close);
    const createContext = createContextFactory(deps);
    const ctx = (cookie?: string) =>
      createContext({
        req: new Request('http://localhost/', cookie ? { headers: { cookie } } : {}),
        resHeaders: new Headers(),
        clientIp: '127.0.0.1',
      });
    const orgs: Org[] = [];
    for (let i = 0; i < ORGS; i++) {
      const email = `load-${i}@example.com`;
      const names = { displayName: `Load ${i}`, organizationName: `Load ${i}` };
      await createCaller({ ...(await ctx()), formPass: issueFormPass('sign-up') }).auth.signUp({ email, ...names });
      const token = await confirmationToken(cluster.urls.admin, email);
      const signUp = await ctx();
      const out = await createCaller(signUp).auth.completeSignUp({ token, password: PASSWORD, ...names });
      const cookie = signUp.resHeaders.getSetCookie()[0]!.split(';')[0]!;
      const owner = createCaller(await ctx(cookie));
      const slug = out.organization.slug;
      await owner.metrics.create({ slug, key: 'load', name: 'Load' });
      const key = await owner.apiKeys.create({ slug, name: 'load', scopes: ['data:write'] });
      orgs.push({ slug, tenantId: '', email, cookie, apiKey: key.token, pushed: 0 });
    }
    const ids = await admin.selectFrom('organizations').select(['tenantId', 'slug']).execute();
    for (const o of orgs) o.tenantId = ids.find((r) => r.slug === o.slug)!.tenantId;

    // A CSV import's organization and file (the upload itself is staged as the upload route stores it).
    const importTenant = await createImportTenant(owner);
    const csv = path.join(dataDir, 'points.csv');
    await generateCsv(csv, IMPORT_ROWS);

    let bouncer: RunningPgbouncer | null = null;
    if (PGBOUNCER_BIN) {
      bouncer = await startPgbouncer([cluster.urls.app, cluster.urls.worker], { poolSize: 16 });
      stops.push(() => bouncer!.stop());
    }
    const via = (url: string) => (bouncer ? bouncer.via(url) : url);
    const keys = {
      APP_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      FORM_SECRET: randomBytes(32).toString('hex'),
      BACKUP_KEYS: `load:${randomBytes(32).toString('base64')}`,
      BACKUP_DIR: path.join(dataDir, 'backups'),
      MAILBOX_DIR: path.join(dataDir, 'mail'),
    };
    const webs = [0, 1].map(() =>
      startWebChild({
        ...keys,
        APP_DATABASE_URL: via(cluster.urls.app),
        DB_VIA_PGBOUNCER: bouncer ? '1' : '0',
        DB_POOL_MAX: '8',
        LOG_LEVEL: 'warn',
      }),
    );
    stops.push(...webs.map((w) => w.stop));
    const workers = [0, 1].map(() =>
      startWorker({
        ...keys,
        WORKER_DATABASE_URL: via(cluster.urls.worker),
        WORKER_DB_VIA_PGBOUNCER: bouncer ? '1' : '0',
        WORKER_LISTEN_DATABASE_URL: cluster.urls.worker,
        LOG_LEVEL: 'info',
      }),
    );
    stops.push(...workers.map((w) => w.stop));
    const urls = (await Promise.all(webs.map((w) => w.ready))).map((r) => r.url);
    await Promise.all(workers.map((w) => w.ready));

    let n = 0;
    const pick = () => orgs[Math.floor(Math.random() * orgs.length)]!;
    const web = () => urls[n++ % urls.length]!;
    const stats: Record<string, { latencies: number[]; errors: number; firstError?: string }> = {};
    const kinds: Record<string, { loops: number; op: () => Promise<unknown>; pauseMs?: number }> = {
      'page (organization home)': {
        loops: 3,
        op: () => {
          const o = pick();
          return client.get(`${web()}/orgs/${o.slug}`, { cookie: o.cookie });
        },
      },
      'trpc org.get': {
        loops: 3,
        op: () => {
          const o = pick();
          const input = encodeURIComponent(JSON.stringify({ json: { slug: o.slug } }));
          return client.get(`${web()}/api/trpc/org.get?input=${input}`, { cookie: o.cookie });
        },
      },
      'push (100 points)': {
        loops: 2,
        op: async () => {
          const o = pick();
          const start = o.pushed;
          o.pushed += BATCH; // reserved before the call: a failed batch is counted as an error, never retried
          const points = Array.from({ length: BATCH }, (_, k) => ({
            metric: 'load',
            ts: new Date(Date.UTC(2020, 0, 1) + (start + k) * 60_000).toISOString(),
            value: start + k,
          }));
          const res = await client.request(`${web()}/api/v1/points`, {
            method: 'POST',
            headers: { authorization: `Bearer ${o.apiKey}`, 'content-type': 'application/json' },
            body: JSON.stringify({ points }),
          });
          const written = (JSON.parse(res.body) as { written: number }).written;
          if (written !== BATCH) throw new Error(`push wrote ${written} of ${BATCH}`);
        },
      },
      'sign-in (login form)': {
        loops: 1,
        pauseMs: 300,
        op: () => client.signIn(web(), pick().email, PASSWORD),
      },
    };
    const end = performance.now() + SECONDS * 1000;
    const backupAt = performance.now() + (SECONDS * 1000) / 2;
    const backupStarted = (async () => {
      await new Promise((r) => setTimeout(r, backupAt - performance.now()));
      await sql`select graphile_worker.add_job('backup_all', '{}'::json)`.execute(workerDb);
      return new Date();
    })();
    const importStarted = (async () => {
      await new Promise((r) => setTimeout(r, (SECONDS * 1000) / 3));
      const importId = await stageImport(app, importTenant, csv);
      await sql`select graphile_worker.add_job('csv_import', json_build_object('tenantId', ${importTenant}::uuid, 'importId', ${importId}::uuid),
                  queue_name => ${`imports:${importTenant}`}, job_key => ${`csv_import:${importId}`})`.execute(
        workerDb,
      );
      return { importId, at: performance.now() };
    })();
    const started = performance.now();
    await Promise.all(
      Object.entries(kinds).flatMap(([kind, { loops, op, pauseMs }]) => {
        const s = (stats[kind] = { latencies: [] as number[], errors: 0 } as (typeof stats)[string]);
        return Array.from({ length: loops }, async () => {
          while (performance.now() < end) {
            const t0 = performance.now();
            try {
              await op();
              s.latencies.push(performance.now() - t0);
            } catch (error) {
              s.errors += 1;
              s.firstError ??= error instanceof Error ? error.message.slice(0, 300) : String(error);
            }
            if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
          }
        });
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    const loadEnded = performance.now();
    await backupStarted;
    const { importId, at: importAt } = await importStarted;

    // Drain lag: from the end of the load until the audit outbox is empty.
    let outbox = -1;
    while (performance.now() - loadEnded < 120_000) {
      const r = await sql<{ n: number }>`select count(*)::int as n from audit_outbox`.execute(admin);
      outbox = r.rows[0]!.n;
      if (outbox === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const drainLagMs = Math.round(performance.now() - loadEnded);
    // The backups started in the middle finish (or fail) before the checks.
    let backups = { succeeded: 0, failed: 0, other: 0 };
    for (let i = 0; i < 600; i++) {
      const rows = await sql<{ status: string; n: number }>`
        select status, count(*)::int as n from backups group by status`.execute(admin);
      const by = Object.fromEntries(rows.rows.map((r) => [r.status, r.n]));
      backups = {
        succeeded: by.succeeded ?? 0,
        failed: by.failed ?? 0,
        other: (by.queued ?? 0) + (by.running ?? 0),
      };
      if (backups.succeeded + backups.failed >= ORGS + 1 && backups.other === 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }

    let csvImport = { status: 'queued', rowsWritten: 0, seconds: 0 };
    for (let i = 0; i < 1200 && csvImport.status !== 'completed' && csvImport.status !== 'failed'; i++) {
      const row = await admin
        .selectFrom('imports')
        .select(['status', 'rowsWritten', 'finishedAt', 'startedAt'])
        .where('id', '=', importId)
        .executeTakeFirstOrThrow();
      csvImport = {
        status: row.status,
        rowsWritten: row.rowsWritten,
        seconds: Number(((performance.now() - importAt) / 1000).toFixed(1)),
      };
      if (row.status !== 'completed' && row.status !== 'failed') await new Promise((r) => setTimeout(r, 250));
    }
    const imported = await sql<{ n: number }>`
      select count(*)::int as n from data_points where tenant_id = ${importTenant}`.execute(admin);

    // Invariants.
    const counts = await sql<{ tenantId: string; n: number; distinctTs: number }>`
      select p.tenant_id, count(*)::int as n, count(distinct p.ts)::int as distinct_ts
        from data_points p join metrics m on m.tenant_id = p.tenant_id and m.id = p.metric_id
       where m.key = 'load' group by p.tenant_id`.execute(admin);
    const byTenant = new Map(counts.rows.map((r) => [r.tenantId, r]));
    const pointMismatches = orgs.filter((o) => {
      const row = byTenant.get(o.tenantId);
      return (row?.n ?? 0) !== o.pushed || (row?.distinctTs ?? 0) !== o.pushed;
    }).length;
    const chains = await Promise.all(
      orgs.map((o) =>
        withTenant(workerDb, { tenantId: o.tenantId, evenIfLocked: true }, (trx) => verifyTenantChain(trx)),
      ),
    );
    const brokenChains = chains.filter((c) => c.status !== 'verified').length;
    let crossTenantRows = 0;
    let crossTenantHttp = 0;
    for (const o of orgs.slice(0, 10)) {
      await withTenant(app, { tenantId: o.tenantId }, async (trx) => {
        for (const table of ['data_points', 'metrics', 'api_keys', 'memberships', 'audit_log'] as const) {
          const r = await sql<{ n: number }>`
            select count(*)::int as n from ${sql.table(table)} where tenant_id <> ${o.tenantId}`.execute(trx);
          crossTenantRows += r.rows[0]!.n;
        }
      });
      const other = orgs[(orgs.indexOf(o) + 1) % orgs.length]!;
      const input = encodeURIComponent(JSON.stringify({ json: { slug: other.slug } }));
      const res = await client.request(`${urls[0]}/api/trpc/org.get?input=${input}`, {
        headers: { cookie: o.cookie },
        accept: 404,
      });
      if (res.status !== 404) crossTenantHttp += 1;
    }

    const perKind = Object.fromEntries(
      Object.entries(stats).map(([kind, s]) => [
        kind,
        {
          count: s.latencies.length,
          perSec: Math.round(s.latencies.length / elapsed),
          p50Ms: pct(s.latencies, 0.5),
          p95Ms: pct(s.latencies, 0.95),
          p99Ms: pct(s.latencies, 0.99),
          errors: s.errors,
          ...(s.firstError ? { firstError: s.firstError } : {}),
        },
      ]),
    );
    const errors = Object.values(stats).reduce((sum, s) => sum + s.errors, 0);
    const invariants = {
      pointsExactlyOnce: pointMismatches === 0,
      auditOutboxEmpty: outbox === 0,
      auditChainsVerified: brokenChains === 0,
      noCrossTenantRows: crossTenantRows === 0,
      otherOrganizationIsNotFound: crossTenantHttp === 0,
      backupsSucceeded: backups.succeeded === ORGS + 1 && backups.failed === 0,
      csvImportComplete:
        csvImport.status === 'completed' &&
        csvImport.rowsWritten === IMPORT_ROWS &&
        imported.rows[0]!.n === IMPORT_ROWS,
    };
    return {
      name: 'load',
      what: `2 web + 2 worker processes${bouncer ? ' behind pgbouncer (transaction mode)' : ' (no pgbouncer installed: direct)'}, ${ORGS} organizations, ${SECONDS} s mixed load`,
      seconds: Number(elapsed.toFixed(1)),
      pointsWritten: orgs.reduce((sum, o) => sum + o.pushed, 0),
      perKind,
      errors,
      drainLagMs,
      backups,
      csvImport: { rows: IMPORT_ROWS, ...csvImport },
      invariants,
      green: errors === 0 && Object.values(invariants).every(Boolean),
    };
  } finally {
    client.close();
    for (const stop of stops.reverse()) await stop().catch(() => {});
    await Promise.all([admin.destroy(), app.destroy(), workerDb.destroy(), owner.destroy()]);
    await cluster.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
