import { sql } from '@mfiq/db';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, postForm, receiver, signUpOverHttp, startWeb, type RunningWeb } from './harness.ts';

let tdb: TestDatabase;
let web: RunningWeb;
const METRICS_TOKEN = `metrics-${Math.random().toString(36).slice(2)}-token`;

beforeAll(async () => {
  await ensureBuilt();
  tdb = await createTestDatabase();
  web = await startWeb({ APP_DATABASE_URL: tdb.urls.app, METRICS_TOKEN });
}, 240_000);

afterAll(async () => {
  await web?.stop();
  await tdb?.drop();
});

/** The value of one series in Prometheus text, or undefined when absent. */
function series(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.split(' ').at(-1));
  }
  return undefined;
}

describe('/metrics', () => {
  it('is switched off (404) when no METRICS_TOKEN is configured', async () => {
    const plain = await startWeb({ APP_DATABASE_URL: tdb.urls.app });
    try {
      const res = await fetch(`${plain.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain('mfiq_');
    } finally {
      await plain.stop();
    }
  });

  it('refuses a request without the token or with a wrong one', async () => {
    const none = await fetch(`${web.url}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await none.text()).not.toContain('mfiq_');
    const wrong = await fetch(`${web.url}/metrics`, { headers: { authorization: 'Bearer not-the-token-at-all' } });
    expect(wrong.status).toBe(401);
  });

  it('exposes procedure calls and latency, job counts, failures and lag, audit outbox depth and form refusals', async () => {
    const user = await signUpOverHttp(web.url, 'metrics', tdb);
    await fetch(`${web.url}/orgs/${user.slug}`, { headers: { cookie: user.cookie } });
    await postForm(web.url, '/contact', {
      name: 'Bot',
      email: 'bot@example.com',
      topic: 'sales',
      message: 'Buy cheap things here now',
      website: 'https://spam.example',
    });
    // Queue state as the worker would leave it: one job waiting since a minute ago, one that used all its attempts.
    await sql`select graphile_worker.add_job('probe_waiting', '{}'::json, run_at := now() - interval '60 seconds')`.execute(
      tdb.owner,
    );
    await sql`select graphile_worker.add_job('probe_failed', '{}'::json, max_attempts := 1)`.execute(tdb.owner);
    await sql`update graphile_worker._private_jobs set attempts = 1, last_error = 'boom'
               where task_id = (select id from graphile_worker._private_tasks where identifier = 'probe_failed')`.execute(
      tdb.owner,
    );

    const res = await fetch(`${web.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(series(text, 'mfiq_procedure_calls_total', { path: 'auth.signUp', type: 'mutation', code: 'OK' })).toBe(1);
    expect(series(text, 'mfiq_procedure_calls_total', { path: 'org.get', code: 'OK' })).toBeGreaterThanOrEqual(1);
    expect(series(text, 'mfiq_procedure_duration_seconds_count', { path: 'org.get' })).toBeGreaterThanOrEqual(1);
    expect(text).toContain('mfiq_procedure_duration_seconds_bucket{le="0.005",path="org.get"');
    expect(series(text, 'mfiq_jobs_queued', { task: 'probe_waiting' })).toBe(1);
    expect(series(text, 'mfiq_jobs_lag_seconds', { task: 'probe_waiting' })).toBeGreaterThanOrEqual(59);
    expect(series(text, 'mfiq_jobs_failed', { task: 'probe_failed' })).toBe(1);
    expect(series(text, 'mfiq_jobs_queued', { task: 'probe_failed' })).toBe(0);
    const pending = await sql<{ n: number }>`select count(*)::int as n from audit_outbox`.execute(tdb.admin);
    expect(pending.rows[0]!.n).toBeGreaterThanOrEqual(2);
    expect(series(text, 'mfiq_audit_outbox_pending')).toBe(pending.rows[0]!.n);
    expect(series(text, 'mfiq_audit_outbox_oldest_seconds')).toBeGreaterThanOrEqual(0);
    expect(series(text, 'mfiq_form_refusals_total', { form: 'contact', reason: 'honeypot' })).toBe(1);
    expect(series(text, 'mfiq_web_process_cpu_seconds_total')).toBeGreaterThan(0);
    // A fresh organization has no backup yet: its age counts from its creation.
    expect(series(text, 'mfiq_backup_last_success_age_seconds', { org: user.slug })).toBeGreaterThanOrEqual(0);
  });

  it('reports the age of the last successful backup per organization', async () => {
    const user = await signUpOverHttp(web.url, 'backup-age', tdb);
    const { tenantId } = await tdb.owner
      .selectFrom('organizations')
      .select('tenantId')
      .where('slug', '=', user.slug)
      .executeTakeFirstOrThrow();
    await sql`select set_config('app.tenant_id', ${tenantId}, false)`.execute(tdb.admin);
    await sql`insert into backups (tenant_id, kind, status, finished_at) values
                (${tenantId}, 'scheduled', 'succeeded', now() - interval '2 hours'),
                (${tenantId}, 'scheduled', 'failed', now() - interval '5 minutes')`.execute(tdb.admin);
    const text = await (
      await fetch(`${web.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
    ).text();
    const age = series(text, 'mfiq_backup_last_success_age_seconds', { org: user.slug })!;
    // The failed run five minutes ago does not count: the last success was two hours ago.
    expect(age).toBeGreaterThanOrEqual(7200);
    expect(age).toBeLessThan(7200 + 600);
  });
});

describe('tracing and error reporting', () => {
  it('are off by default', () => {
    const messages = web.logs.map((l) => l.msg);
    expect(messages).not.toContain('tracing on (OTLP)');
    expect(messages).not.toContain('error reporting on');
  });

  it('tracing, when configured, exports request spans over OTLP to the collector', async () => {
    const collector = await receiver();
    const traced = await startWeb({
      APP_DATABASE_URL: tdb.urls.app,
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_SERVICE_NAME: 'mfiq-web-test',
    });
    try {
      expect(traced.logs.map((l) => l.msg)).toContain('tracing on (OTLP)');
      expect((await fetch(`${traced.url}/security`)).status).toBe(200);
    } finally {
      await traced.stop(); // shutdown flushes the batch of spans
      await collector.close();
    }
    const traces = collector.requests.filter((r) => r.url === '/v1/traces');
    expect(traces.length).toBeGreaterThan(0);
    const body = traces.map((t) => t.body).join('\n');
    expect(body).toContain('mfiq-web-test');
    expect(body).toContain('GET page');
  });

  it('error reporting, when configured, sends unexpected errors to the reporting endpoint', async () => {
    const ingest = await receiver();
    // A database that cannot be reached turns a form submission into an unexpected error.
    const broken = new URL(tdb.urls.app);
    broken.port = '1';
    const failing = await startWeb({
      APP_DATABASE_URL: broken.toString(),
      SENTRY_DSN: `${ingest.url.replace('http://', 'http://publickey@')}/42`,
    });
    try {
      expect(failing.logs.map((l) => l.msg)).toContain('error reporting on');
      const res = await postForm(
        failing.url,
        '/contact',
        { name: 'A', email: 'a@example.com', topic: 'sales', message: 'Hello there, this will fail.' },
        { tokenFrom: failing.url },
      );
      expect(res.status).toBe(500);
      for (let i = 0; i < 50 && !ingest.requests.some((r) => r.url.startsWith('/api/42/envelope')); i++)
        await new Promise((r) => setTimeout(r, 100));
    } finally {
      await failing.stop();
      await ingest.close();
    }
    const envelopes = ingest.requests.filter((r) => r.url.startsWith('/api/42/envelope'));
    expect(envelopes.length).toBeGreaterThan(0);
    expect(envelopes.map((e) => e.body).join('\n')).toContain('"exception"');
  });
});
