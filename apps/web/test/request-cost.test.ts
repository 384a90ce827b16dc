import { seedDemo, DEMO_ORG } from '@mfiq/api/seed';
import { sql } from '@mfiq/db';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cookieJar, ensureBuilt, postForm, startWeb, type RunningWeb } from './harness.ts';

/**
 * What one page load costs the database, counted by PostgreSQL itself (pg_stat_statements, as the
 * app role, in this test's database). A dashboard page used to read the session three times and
 * enter the tenant three times (root, organization layout and dashboard loaders each built their own
 * context). ADR 0081: one session read per HTTP request, one entry per tenant procedure.
 */
const DEMO_PASSWORD = 'demo password for the cost test';
let tdb: TestDatabase;
let web: RunningWeb;
let cookie: string;
let dashboardPath: string;

beforeAll(async () => {
  await ensureBuilt();
  tdb = await createTestDatabase();
  await seedDemo(tdb.owner, { password: DEMO_PASSWORD });
  await sql`create extension if not exists pg_stat_statements`.execute(tdb.admin);
  web = await startWeb({ APP_DATABASE_URL: tdb.urls.app });
  const res = await postForm(web.url, '/login', { email: 'owner@demo.test', password: DEMO_PASSWORD });
  expect(res.status).toBe(302);
  cookie = cookieJar(res);
  const d = await tdb.admin.selectFrom('dashboards').select('id').executeTakeFirstOrThrow();
  dashboardPath = `/orgs/${DEMO_ORG.slug}/dashboards/${d.id}`;
}, 240_000);

afterAll(async () => {
  await web?.stop();
  await tdb?.drop();
});

interface Counted {
  query: string;
  calls: number;
}

/** Statements the app role ran in this database since the last reset, one row per normalized text. */
async function statements(): Promise<Counted[]> {
  const { rows } = await sql<Counted>`
    select s.query, s.calls::int as calls
      from pg_stat_statements s
      join pg_roles r on r.oid = s.userid
      join pg_database d on d.oid = s.dbid
     where r.rolname = 'mfiq_app' and d.datname = current_database()`.execute(tdb.admin);
  return rows;
}

const sum = (rows: Counted[], match: RegExp) =>
  rows.filter((r) => match.test(r.query)).reduce((n, r) => n + r.calls, 0);

describe('the cost of a dashboard page', () => {
  it('one session read and one tenant entry per tenant procedure, in a bounded number of statements', async () => {
    // Warm: the first load after start-up may prepare things once.
    expect((await fetch(`${web.url}${dashboardPath}`, { headers: { cookie } })).status).toBe(200);
    await sql`select pg_stat_statements_reset()`.execute(tdb.admin);
    const res = await fetch(`${web.url}${dashboardPath}`, { headers: { cookie } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Company overview');
    // COMMIT of a read-only procedure may follow its answer: give it a moment to be counted.
    await new Promise((r) => setTimeout(r, 300));
    const rows = await statements();
    const report = rows.map((r) => `${r.calls} x ${r.query.replace(/\s+/g, ' ').slice(0, 120)}`).join('\n');
    // The root loader (auth.me, org.list), the organization layout (org.get) and the dashboard
    // (dashboards.get, metrics.list) share one context: the session is validated once.
    expect(sum(rows, /app_validate_session|app_enter_request/), report).toBe(1);
    // Five tenant procedures (org.get; dashboards.get, metrics.list for the tile picker,
    // annotations.list for the notes panel and shares.list for the share panel): one entry each,
    // each its own transaction.
    expect(sum(rows, /app_enter_request|app_enter_tenant/), report).toBe(5);
    expect(sum(rows, /^begin/i), report).toBe(5);
    // Everything together; raise this only with a reason (17 when this test was written; 28 with
    // the editor's notes and share panels, four statements each, and the tiles' notes; 29 with the
    // alerts bell's unread counts, one statement outside any tenant transaction).
    const total = rows.reduce((n, r) => n + r.calls, 0);
    expect(total, report).toBeLessThanOrEqual(29);
  });
});
