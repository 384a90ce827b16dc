/**
 * Issue 13 benchmark. An organization with 100 metrics and 10,000 threshold rules (100 per metric,
 * every one notifying a member), beside 10 other organizations with rules and data. Each round
 * pushes 1,000 points touching all 100 metrics through the API (push procedure with an API key);
 * the real worker (graphile-worker, worker role, 2 jobs at a time) is woken by the data_points
 * trigger, evaluates and writes the inbox. Reported: for every notification, the time from the
 * push's commit (the call returning) to the notification being visible, p50/p95/max over all of
 * them; then evaluation throughput (rules/s: one evaluation of all 10,000 rules in a tenant
 * transaction, as the sweep runs it) against one SQL statement that evaluates the same threshold
 * rules set-wise over the rollups (ratio, goal >= 0.3). Run: pnpm bench alerts
 * (BENCH_ALERT_ROUNDS, BENCH_ALERT_METRICS, BENCH_ALERT_RULES_PER_METRIC to change the size).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { evaluateAlerts } from '@mfiq/api/alerts';
import { createCaller, createContextFactory } from '@mfiq/api/server';
import { createDb, sql, withNewTenant, withTenant, type Database } from '@mfiq/db';
import { startThrowawayCluster } from '@mfiq/db/throwaway';
import { startWorker } from '@mfiq/worker';
import pino from 'pino';
import { benchApiDeps } from './lib/api-deps.ts';
import { compare, median } from './lib/measure.ts';

const ROUNDS = Number(process.env.BENCH_ALERT_ROUNDS ?? 5);
const METRICS = Number(process.env.BENCH_ALERT_METRICS ?? 100);
const RULES_PER_METRIC = Number(process.env.BENCH_ALERT_RULES_PER_METRIC ?? 100);
const POINTS = 1000;
const OTHER_ORGS = 10;
const HISTORY_DAYS = 90;

/** An organization with a member (alert mail off: the inbox is what is measured), metrics, history and rules. */
async function seedOrg(owner: Database, label: string, metrics: number, rulesPerMetric: number) {
  const tenantId = randomUUID();
  const userId = randomUUID();
  await owner
    .insertInto('users')
    .values({ id: userId, email: `${label}@bench.test`, displayName: label, passwordHash: 'x' })
    .execute();
  const token = `mfiq_${randomBytes(32).toString('base64url')}`;
  await withNewTenant(owner, { tenantId }, async (trx) => {
    await trx.insertInto('organizations').values({ tenantId, slug: label, name: label }).execute();
    const m = await trx
      .insertInto('memberships')
      .values({ tenantId, userId, role: 'owner' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('notificationPreferences')
      .values({ tenantId, membershipId: m.id, emailAlerts: false })
      .execute();
    await sql`insert into metrics (tenant_id, key, name) select ${tenantId}, 'm_' || g, 'Metric ' || g from generate_series(1, ${metrics}::int) g`.execute(
      trx,
    );
    // History: one point a day per metric, so the rollups have the size of a real organization.
    await sql`insert into data_points (tenant_id, metric_id, ts, value)
      select ${tenantId}, x.id, date_trunc('day', now()) - make_interval(days => d) + interval '6 hours', 5
        from metrics x cross join generate_series(1, ${HISTORY_DAYS}::int) d where x.tenant_id = ${tenantId}`.execute(
      trx,
    );
    // Thresholds 1..rulesPerMetric: a value above them all fires every rule.
    await sql`insert into alert_rules (tenant_id, name, metric_id, kind, grain, condition)
      select ${tenantId}, x.key || ' above ' || g, x.id, 'threshold', 'day', jsonb_build_object('op', 'above', 'value', g)
        from metrics x cross join generate_series(1, ${rulesPerMetric}::int) g where x.tenant_id = ${tenantId}`.execute(
      trx,
    );
    await sql`insert into alert_rule_recipients (tenant_id, rule_id, membership_id)
      select ${tenantId}, r.id, ${m.id}::uuid from alert_rules r where r.tenant_id = ${tenantId}`.execute(trx);
    await trx
      .insertInto('apiKeys')
      .values({
        tenantId,
        name: 'bench',
        prefix: token.slice(0, 12),
        tokenHash: createHash('sha256').update(token).digest('hex'),
        scopes: ['data:write'],
      })
      .execute();
  });
  return { tenantId, token };
}

/** Every rule's current and previous day judged in one statement: the set-wise baseline. */
function setWise(db: Database, tenantId: string) {
  return withTenant(db, { tenantId }, (trx) =>
    sql<{ n: number }>`
      with days as (
        select r.metric_id, r.day, r.sum from metric_daily_rollups r
         where r.tenant_id = ${tenantId} and r.day between current_date - 1 and current_date
      )
      select count(*) filter (where case a.condition->>'op' when 'above' then d.sum > (a.condition->>'value')::float8
                                                          else d.sum < (a.condition->>'value')::float8 end)::int as n
        from alert_rules a join days d on d.metric_id = a.metric_id
       where a.tenant_id = ${tenantId} and a.kind = 'threshold' and a.grain = 'day' and a.paused_at is null`.execute(
      trx,
    ),
  );
}

export async function benchAlerts() {
  const cluster = await startThrowawayCluster('bench_alerts');
  const owner = createDb(cluster.urls.owner, { max: 4 });
  const app = createDb(cluster.urls.app, { max: 6 });
  const workerDb = createDb(cluster.urls.worker, { max: 4 });
  const admin = createDb(cluster.urls.admin, { max: 2 });
  const api = benchApiDeps(app, cluster.urls.app);
  try {
    const s0 = performance.now();
    const main = await seedOrg(owner, 'main', METRICS, RULES_PER_METRIC);
    for (let i = 0; i < OTHER_ORGS; i++) await seedOrg(owner, `other-${i}`, 10, 100);
    const seedSec = (performance.now() - s0) / 1000;
    const rules = METRICS * RULES_PER_METRIC;
    const createContext = createContextFactory({
      ...api.deps,
      apiKeyRateLimit: { points: 1_000_000, durationSec: 60 },
    });
    const caller = createCaller(
      await createContext({
        req: new Request('http://localhost/api/trpc', { headers: { authorization: `Bearer ${main.token}` } }),
        resHeaders: new Headers(),
        clientIp: '127.0.0.1',
      }),
    );

    const jobMs: number[] = [];
    const worker = await startWorker({
      connectionString: cluster.urls.worker,
      concurrency: 2,
      // The evaluation jobs' own durations (their info log line), to tell the job from the wait for it.
      logger: pino(
        { level: 'info' },
        {
          write: (line: string) => {
            const entry = JSON.parse(line) as { task?: string; durationMs?: number; tenantId?: string };
            if (entry.task === 'alerts_evaluate' && entry.tenantId === main.tenantId && entry.durationMs !== undefined)
              jobMs.push(entry.durationMs);
          },
        },
      ),
      crontab: '',
      pollInterval: 500,
      auditDrainIntervalMs: 0,
    });
    const latencies: number[] = [];
    const lastMs: number[] = [];
    const count = async () =>
      Number(
        (
          await admin
            .selectFrom('notifications')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('tenantId', '=', main.tenantId)
            .executeTakeFirstOrThrow()
        ).n,
      );
    try {
      for (let round = 0; round < ROUNDS; round++) {
        // A fresh start: no event yet for today, so every rule fires once again.
        await withTenant(owner, { tenantId: main.tenantId }, (trx) => trx.deleteFrom('alertEvents').execute());
        const now = Date.now();
        const points = Array.from({ length: POINTS }, (_, i) => ({
          metric: `m_${(i % METRICS) + 1}`,
          ts: new Date(now - (Math.floor(i / METRICS) + 1) * 1000).toISOString(),
          value: 1000 + round,
        }));
        const result = await caller.api.push({ points });
        if (result.written !== POINTS) throw new Error(`push wrote ${result.written}`);
        const committed = performance.now();
        let seen = 0;
        const deadline = committed + 120_000;
        while (seen < rules) {
          if (performance.now() > deadline) throw new Error(`only ${seen} of ${rules} notifications after 120 s`);
          await new Promise((r) => setTimeout(r, 20));
          const n = await count();
          const at = performance.now() - committed;
          for (; seen < n; seen++) latencies.push(at);
        }
        lastMs.push(performance.now() - committed);
      }
    } finally {
      await worker.stop();
    }
    latencies.sort((a, b) => a - b);
    const pick = (q: number) =>
      Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!);

    // Throughput: a full evaluation (every rule judged, nothing new to open) against the set-wise SQL.
    const expected = (await setWise(workerDb, main.tenantId)).rows[0]!.n;
    const throughput = await compare({
      rounds: 3,
      durationMs: 4000,
      concurrency: 1,
      baseline: () => setWise(workerDb, main.tenantId),
      candidate: () =>
        withTenant(workerDb, { tenantId: main.tenantId }, (trx) =>
          evaluateAlerts(trx, { tenantId: main.tenantId, scope: { all: true }, publicUrl: 'http://bench.test' }),
        ),
    });
    return {
      name: 'alerts',
      what: 'push of 1,000 points over 100 metrics with 10,000 threshold rules (all firing) -> in-app notifications by the real worker; evaluation rules/s vs one set-wise SQL statement',
      rules,
      metrics: METRICS,
      otherOrganizations: OTHER_ORGS,
      rounds: ROUNDS,
      seedSec: Math.round(seedSec * 10) / 10,
      notificationsPerRound: rules,
      pushToNotificationMs: { p50: pick(0.5), p95: pick(0.95), max: pick(1) },
      lastNotificationMs: { median: Math.round(median(lastMs)), rounds: lastMs.map(Math.round) },
      evaluationJobs: { count: jobMs.length, medianMs: jobMs.length ? median(jobMs) : null },
      rulesHoldingSetWise: expected,
      evaluation: {
        rulesPerSec: Math.round(throughput.candidate.opsPerSec * rules),
        setWiseRulesPerSec: Math.round(throughput.baseline.opsPerSec * rules),
        ratio: Math.round(throughput.ratio * 100) / 100,
      },
    };
  } finally {
    await api.close();
    await Promise.all([owner.destroy(), app.destroy(), workerDb.destroy(), admin.destroy()]);
    await cluster.stop();
  }
}
