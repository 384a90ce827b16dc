import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { seedDemo, DEMO_ORG } from '@mfiq/api/seed';
import { sql, verifyTenantChain, withTenant } from '@mfiq/db';
import { createTestDatabase, PGBOUNCER_BIN, startPgbouncer, type RunningPgbouncer } from '@mfiq/db/testing';
import { type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cookieJar, ensureBuilt, postForm, startWeb, startWorkerProcess, type RunningWeb } from './harness.ts';

/**
 * pgbouncer in transaction mode (README "pgbouncer and replicas"): the web and the worker's pool go
 * through a real pgbouncer with DB_VIA_PGBOUNCER=1, the worker's LISTEN connection goes straight to
 * PostgreSQL. Every transaction may land on another server connection, so anything that relied on
 * session state (a setting, a prepared statement, a LISTEN) would fail or leak here.
 */
if (!PGBOUNCER_BIN) {
  console.warn('pgbouncer.test.ts skipped: no pgbouncer binary (Debian: apt-get install -y pgbouncer)');
}

const PASSWORD = 'demo password for the pgbouncer test';
let tdb: TestDatabase;
let bouncer: RunningPgbouncer;
let web: RunningWeb;
let worker: Awaited<ReturnType<typeof startWorkerProcess>>;
let mailbox: string;

describe.skipIf(!PGBOUNCER_BIN)('behind pgbouncer (transaction pooling)', () => {
  beforeAll(async () => {
    await ensureBuilt();
    tdb = await createTestDatabase();
    await seedDemo(tdb.owner, { password: PASSWORD });
    bouncer = await startPgbouncer([tdb.urls.app, tdb.urls.worker, tdb.urls.owner], {
      poolSize: 4,
      statsUsers: ['mfiq_owner'],
    });
    mailbox = await mkdtemp(path.join(os.tmpdir(), 'mfiq-bouncer-mail-'));
    web = await startWeb({ APP_DATABASE_URL: bouncer.via(tdb.urls.app), DB_VIA_PGBOUNCER: '1', MAILBOX_DIR: mailbox });
    worker = await startWorkerProcess({
      WORKER_DATABASE_URL: bouncer.via(tdb.urls.worker),
      WORKER_DB_VIA_PGBOUNCER: '1',
      WORKER_LISTEN_DATABASE_URL: tdb.urls.worker,
      // Only the NOTIFY from the writers' commits can wake the drain within this test.
      AUDIT_DRAIN_INTERVAL_MS: '600000',
      CRON_PURGE_SESSIONS: '0 0 1 1 *',
      CRON_BACKUPS: '0 0 1 1 *',
      MAILBOX_DIR: mailbox,
    });
  }, 240_000);

  afterAll(async () => {
    await worker?.stop();
    await web?.stop();
    await bouncer?.stop();
    await tdb?.drop();
    if (mailbox) await rm(mailbox, { recursive: true, force: true });
  });

  it('sign-in, a tenant query, a mutation with its audit event and an API-key push work through it; the drain is woken over the direct LISTEN', async () => {
    const signIn = await postForm(web.url, '/login', { email: 'owner@demo.test', password: PASSWORD });
    expect(signIn.status).toBe(302);
    const cookie = cookieJar(signIn);

    const input = encodeURIComponent(JSON.stringify({ json: { slug: DEMO_ORG.slug } }));
    const org = await fetch(`${web.url}/api/trpc/org.get?input=${input}`, { headers: { cookie } });
    expect(org.status).toBe(200);
    expect(((await org.json()) as { result: { data: { json: { role: string } } } }).result.data.json.role).toBe(
      'owner',
    );

    const created = await fetch(`${web.url}/api/trpc/apiKeys.create`, {
      method: 'POST',
      headers: { cookie, origin: web.url, 'content-type': 'application/json' },
      body: JSON.stringify({ json: { slug: DEMO_ORG.slug, name: 'through pgbouncer', scopes: ['data:write'] } }),
    });
    expect(created.status).toBe(200);
    const { token } = ((await created.json()) as { result: { data: { json: { token: string } } } }).result.data.json;

    const ts = '2020-01-01T00:00:00.000Z';
    const push = await fetch(`${web.url}/api/v1/points`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ points: [{ metric: 'new_signups', ts, value: 4242 }] }),
    });
    expect(push.status).toBe(200);
    expect(((await push.json()) as { written: number }).written).toBe(1);

    // A page load (several tenant procedures on one request) still works through the pooler.
    const page = await fetch(`${web.url}/orgs/${DEMO_ORG.slug}`, { headers: { cookie } });
    expect(page.status).toBe(200);

    const { tenantId } = await tdb.admin
      .selectFrom('organizations')
      .select('tenantId')
      .where('slug', '=', DEMO_ORG.slug)
      .executeTakeFirstOrThrow();
    const point = await sql<{ value: number }>`
      select value::float8 as value from data_points where tenant_id = ${tenantId} and ts = ${ts}`.execute(tdb.admin);
    expect(point.rows.map((r) => r.value)).toEqual([4242]);

    // The drain (its tenant transactions through pgbouncer) moves both events into the chain.
    let actions: string[] = [];
    for (let i = 0; i < 100 && !(actions.includes('api_key.created') && actions.includes('data.points_written')); i++) {
      await new Promise((r) => setTimeout(r, 200));
      const rows = await tdb.admin.selectFrom('auditLog').select('action').where('tenantId', '=', tenantId).execute();
      actions = rows.map((r) => r.action);
    }
    expect(actions).toEqual(expect.arrayContaining(['api_key.created', 'data.points_written']));
    const chain = await withTenant(tdb.worker, { tenantId, evenIfLocked: true }, (trx) => verifyTenantChain(trx));
    expect(chain.status).toBe('verified');

    // The web's and the worker's pools were served by pgbouncer; the worker's LISTEN is a direct session.
    const admin = new pg.Client({
      connectionString: bouncer.via(tdb.urls.owner).replace(/\/[^/?]+(\?|$)/, '/pgbouncer$1'),
    });
    await admin.connect();
    const pools = (await admin.query<{ user: string; database: string }>('show pools')).rows;
    await admin.end();
    const served = pools.filter((p) => p.database === tdb.name).map((p) => p.user);
    expect(served).toEqual(expect.arrayContaining(['mfiq_app', 'mfiq_worker']));
    const listening = await sql<{ n: number }>`
      select count(*)::int as n from pg_stat_activity
       where datname = current_database() and usename = 'mfiq_worker' and query ilike 'listen %'`.execute(tdb.admin);
    expect(listening.rows[0]!.n).toBeGreaterThan(0);
  });
});
