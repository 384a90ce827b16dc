import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { evaluateTenant, SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhook, type Resolver } from '@mfiq/api/alerts';
import { createHarness, type Harness } from '@mfiq/api/testing';
import { sql } from '@mfiq/db';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker, type WorkerHandle } from '../runner.ts';
import { memoryLogger, waitFor } from '../testing/fixtures.ts';
import { evaluationsOf, MAX_TOUCHED_METRICS } from './alerts-evaluate.ts';

/**
 * Alerts end to end in the real worker (graphile-worker, the worker role): a push through the API
 * wakes the evaluation by the data_points trigger, the alert reaches the inbox, and its webhook
 * reaches a local receiver with a signature that verifies; two workers deliver nothing twice; a
 * failing receiver is retried; a name that resolves to a forbidden address is never contacted; a
 * locked organization's jobs end without firing, sending or retrying.
 */
const LOCAL = { allowHttp: true, allowLoopback: true };

let tdb: TestDatabase;
let h: Harness;
let server: Server;
let port: number;
interface Hit {
  headers: IncomingHttpHeaders;
  body: string;
}
const hits: Hit[] = [];
let answer = (_hit: Hit) => 200;

beforeAll(async () => {
  tdb = await createTestDatabase();
  h = createHarness(tdb, { webhookPolicy: LOCAL });
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const hit = { headers: req.headers, body };
      hits.push(hit);
      res.writeHead(answer(hit)).end('thanks');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await h.close();
  await tdb.drop();
});

async function worker(resolver?: Resolver): Promise<WorkerHandle> {
  return startWorker({
    connectionString: tdb.urls.worker,
    concurrency: 2,
    logger: memoryLogger('info').logger,
    crontab: '',
    pollInterval: 200,
    auditDrainIntervalMs: 0,
    publicUrl: 'http://mfiq.test',
    webhooks: {
      secretBox: h.secretBox,
      policy: LOCAL,
      backoffSeconds: [1],
      timeoutMs: 2_000,
      ...(resolver ? { resolver } : {}),
    },
  });
}

/** An organization with a metric, a channel to `url` and a rule notifying the owner and the channel. */
async function setup(prefix: string, url: string, value = 10) {
  const owner = await h.signUp(prefix);
  const api = await h.as(owner.cookie);
  await api.metrics.create({ slug: owner.slug, key: 'orders', name: 'Orders' });
  const channel = await api.alerts.createChannel({ slug: owner.slug, name: 'Receiver', url });
  const me = (await api.members.list({ slug: owner.slug })).find((m) => m.isYou)!.membershipId;
  const rule = await api.alerts.create({
    slug: owner.slug,
    name: 'Orders above',
    metricKey: 'orders',
    grain: 'day',
    condition: { kind: 'threshold', op: 'above', value },
    recipients: { members: [me], channels: [channel.id] },
    quietHours: null,
    cooldownMinutes: 0,
  });
  const key = await h.createKey(owner.cookie, owner.slug, ['data:write']);
  return {
    owner,
    api,
    channel,
    rule,
    push: async (v: number) =>
      (await h.asKey(key.token)).api.push({ points: [{ metric: 'orders', ts: new Date().toISOString(), value: v }] }),
  };
}

const deliveriesOf = (channelId: string) =>
  tdb.admin.selectFrom('alertDeliveries').selectAll().where('channelId', '=', channelId).execute();

describe('alerts in the worker', () => {
  it('a push through the API produces an inbox item and a signed webhook that verifies', async () => {
    // Set up first: a running worker would send (and clear) the sign-up mail the harness reads.
    const s = await setup('e2e', `http://127.0.0.1:${port}/hooks/mfiq`);
    const w = await worker();
    try {
      const before = hits.length;
      await s.push(25);
      const hit = await waitFor(async () => hits.length > before && hits[hits.length - 1], 20_000, 'the webhook');
      expect(
        verifyWebhook(
          s.channel.secret,
          { signature: hit.headers[SIGNATURE_HEADER] as string, timestamp: hit.headers[TIMESTAMP_HEADER] as string },
          hit.body,
        ),
      ).toBe(true);
      // A body changed by one byte, or another secret, does not verify.
      expect(
        verifyWebhook(
          s.channel.secret,
          { signature: hit.headers[SIGNATURE_HEADER] as string, timestamp: hit.headers[TIMESTAMP_HEADER] as string },
          `${hit.body} `,
        ),
      ).toBe(false);
      expect(
        verifyWebhook(
          'whsec_other',
          { signature: hit.headers[SIGNATURE_HEADER] as string, timestamp: hit.headers[TIMESTAMP_HEADER] as string },
          hit.body,
        ),
      ).toBe(false);
      const body = JSON.parse(hit.body) as {
        type: string;
        deliveryId: string;
        summary: string;
        organization: { slug: string };
        links: { metric: string };
      };
      expect(body.type).toBe('alert.fired');
      expect(body.organization.slug).toBe(s.owner.slug);
      expect(body.summary).toMatch(/^Orders was 25 in \d{4}-\d{2}-\d{2} so far, above the threshold of 10\.$/);
      expect(body.links.metric).toMatch(/^http:\/\/mfiq\.test\/orgs\/.+\/metrics\/orders\?grain=day/);
      expect(hit.headers['x-mfiq-delivery']).toBe(body.deliveryId);
      const [delivery] = await waitFor(
        async () => {
          const d = await deliveriesOf(s.channel.id);
          return d[0]?.status === 'delivered' && d;
        },
        10_000,
        'the delivery to be recorded',
      );
      expect(delivery).toMatchObject({ id: body.deliveryId, attempts: 1, responseCode: 200, nextAttemptAt: null });
      const inbox = await s.api.notifications.list({ slug: s.owner.slug });
      expect(inbox.items.map((i) => i.event.explanation.summary)).toEqual([body.summary]);
    } finally {
      await w.stop();
    }
  }, 60_000);

  it('with two workers and repeated pushes, each period fires once and each delivery is sent once', async () => {
    const s = await setup('twice', `http://127.0.0.1:${port}/hooks/twice`);
    const [w1, w2] = await Promise.all([worker(), worker()]);
    try {
      const seen = () =>
        hits.filter((x) => x.headers['x-mfiq-delivery'] && JSON.parse(x.body).organization.slug === s.owner.slug);
      // Concurrent batches, fewer than the web pool's connections (a push may take a second one
      // for its rate limit while the first is in its tenant transaction).
      for (let round = 0; round < 3; round++)
        await Promise.all(Array.from({ length: 3 }, (_, i) => s.push(20 + round * 3 + i)));
      await waitFor(async () => seen().length >= 1, 20_000, 'a webhook');
      // Give every queued evaluation time to run on either worker, then count.
      await waitFor(
        async () => {
          const jobs = (await tdb.admin
            .selectFrom('graphile_worker._private_jobs' as never)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()) as { n: number };
          return Number(jobs.n) === 0;
        },
        20_000,
        'the queue to drain',
      );
      const events = await tdb.admin.selectFrom('alertEvents').select('id').where('ruleId', '=', s.rule.id).execute();
      expect(events).toHaveLength(1);
      expect(await deliveriesOf(s.channel.id)).toHaveLength(1);
      expect(seen()).toHaveLength(1);
      expect((await s.api.notifications.list({ slug: s.owner.slug })).items).toHaveLength(1);
    } finally {
      await Promise.all([w1.stop(), w2.stop()]);
    }
  }, 60_000);

  it('a failing receiver is retried with back-off, and the log shows each attempt', async () => {
    const s = await setup('retry', `http://127.0.0.1:${port}/hooks/flaky`);
    const w = await worker();
    try {
      let calls = 0;
      answer = (hit) => (hit.headers['x-mfiq-delivery'] && (calls += 1) === 1 ? 503 : 200);
      await s.push(99);
      const [delivery] = await waitFor(
        async () => {
          const d = await deliveriesOf(s.channel.id);
          return d[0]?.status === 'delivered' && d;
        },
        20_000,
        'the retried delivery',
      );
      expect(delivery).toMatchObject({ attempts: 2, responseCode: 200, status: 'delivered' });
      expect(calls).toBe(2);
    } finally {
      answer = () => 200;
      await w.stop();
    }
  }, 60_000);

  it('a host that resolves to a metadata address is refused at send time, never contacted, and not retried', async () => {
    const stub: Resolver = (name) =>
      Promise.resolve(name === 'hooks.rebind.test' ? [{ address: '169.254.169.254', family: 4 }] : []);
    const s = await setup('rebind', `http://hooks.rebind.test:${port}/x`);
    const w = await worker(stub);
    try {
      const before = hits.length;
      await s.push(50);
      const [delivery] = await waitFor(
        async () => {
          const d = await deliveriesOf(s.channel.id);
          return d[0]?.status === 'failed' && d;
        },
        20_000,
        'the refusal',
      );
      expect(delivery).toMatchObject({ attempts: 1, responseCode: null, nextAttemptAt: null });
      expect(delivery!.detail).toMatch(/cloud metadata address/);
      expect(hits.length).toBe(before);
    } finally {
      await w.stop();
    }
  }, 60_000);

  it('a push touching many metrics queues one job for its organization, whose alerts equal per-metric evaluation', async () => {
    const METRICS = 12;
    const keys = Array.from({ length: METRICS }, (_, i) => `m${i + 1}`);
    // Two identical organizations: one evaluated by its batch job in the worker, one metric at a time.
    async function twin(prefix: string) {
      const owner = await h.signUp(prefix);
      const api = await h.as(owner.cookie);
      for (const key of keys) await api.metrics.create({ slug: owner.slug, key, name: key.toUpperCase() });
      await api.metrics.create({ slug: owner.slug, key: 'total', name: 'Total', formula: 'm1 + m2' });
      const me = (await api.members.list({ slug: owner.slug })).find((m) => m.isYou)!.membershipId;
      const rule = (
        metricKey: string,
        name: string,
        condition: { kind: 'threshold'; op: 'above' | 'below'; value: number },
      ) =>
        api.alerts.create({
          slug: owner.slug,
          name,
          metricKey,
          grain: 'day',
          condition,
          recipients: { members: [me], channels: [] },
          quietHours: null,
          cooldownMinutes: 0,
        });
      for (const [i, key] of keys.entries()) {
        // Every other metric's value crosses its threshold; a "below" on today's partial sum waits.
        await rule(key, `${key} above`, { kind: 'threshold', op: 'above', value: i % 2 ? 1000 : 10 });
        await rule(key, `${key} below`, { kind: 'threshold', op: 'below', value: 5 });
      }
      await rule('total', 'total above', { kind: 'threshold', op: 'above', value: 30 });
      const tenantId = (
        await tdb.admin
          .selectFrom('organizations')
          .select('tenantId')
          .where('slug', '=', owner.slug)
          .executeTakeFirstOrThrow()
      ).tenantId;
      const key = await h.createKey(owner.cookie, owner.slug, ['data:write']);
      const { api: keyed } = await h.asKey(key.token);
      const ts = new Date().toISOString();
      // Saving the rules queued their own evaluations (nothing to judge yet): only the pushes count here.
      await sql`delete from graphile_worker._private_jobs where key like ${`%${tenantId}%`}`.execute(tdb.admin);
      // Two pushes before any worker runs: the second's metrics join the first's job.
      await keyed.push({ points: keys.map((metric, i) => ({ metric, ts, value: 20 + i })) });
      await keyed.push({ points: [{ metric: 'm3', ts: new Date(Date.parse(ts) - 1000).toISOString(), value: 1 }] });
      return { owner, api, tenantId };
    }
    const jobsOf = (tenantId: string) =>
      sql<{ task: string; key: string; payload: unknown }>`
        select t.identifier as task, j.key, j.payload from graphile_worker._private_jobs j
          join graphile_worker._private_tasks t on t.id = j.task_id
         where j.key like ${`%${tenantId}%`}`.execute(tdb.admin);
    const events = (tenantId: string) =>
      sql<{ name: string; occurrence: string; value: number; state: string; notified: boolean; inbox: number }>`
        select r.name, e.occurrence, e.value, e.state, e.notified,
               (select count(*) from notifications n where n.tenant_id = e.tenant_id and n.event_id = e.id)::int as inbox
          from alert_events e join alert_rules r on r.tenant_id = e.tenant_id and r.id = e.rule_id
         where e.tenant_id = ${tenantId} order by r.name, e.occurrence`.execute(tdb.admin);

    const batched = await twin('batch');
    const perMetric = await twin('permetric');
    const { rows: jobs } = await jobsOf(batched.tenantId);
    expect(jobs).toEqual([
      {
        task: 'alerts_evaluate',
        key: `alerts:${batched.tenantId}:touched`,
        payload: [
          { tenantId: batched.tenantId, metricIds: expect.any(Array) },
          { tenantId: batched.tenantId, metricIds: [expect.any(String)] },
        ],
      },
    ]);
    const touched = evaluationsOf(jobs[0]!.payload)!;
    expect(touched).toHaveLength(1);
    expect(touched[0]!.scope).toEqual({ touchedMetricIds: expect.any(Array) });
    expect((touched[0]!.scope as { touchedMetricIds: string[] }).touchedMetricIds).toHaveLength(METRICS);

    // The twin is judged one metric at a time, as the per-metric jobs did, instead of by its batch job.
    const metricIds = (
      await tdb.admin.selectFrom('metrics').select('id').where('tenantId', '=', perMetric.tenantId).execute()
    ).map((m) => m.id);
    await sql`delete from graphile_worker._private_jobs where key like ${`%${perMetric.tenantId}%`}`.execute(tdb.admin);
    for (const id of metricIds)
      await evaluateTenant(tdb.worker, {
        tenantId: perMetric.tenantId,
        scope: { touchedMetricIds: [id] },
        publicUrl: 'http://mfiq.test',
      });

    const w = await worker();
    try {
      await waitFor(async () => (await jobsOf(batched.tenantId)).rows.length === 0, 20_000, 'the batch job to run');
    } finally {
      await w.stop();
    }
    const expected = (await events(perMetric.tenantId)).rows;
    // m1, m3 (22 + 1), ..., m11 above 10, and the formula total (m1 + m2 = 41) above 30.
    expect(expected.map((e) => e.name)).toEqual(
      [...keys.filter((_, i) => i % 2 === 0).map((k) => `${k} above`), 'total above'].sort(),
    );
    expect(expected.every((e) => e.state === 'firing' && e.notified && e.inbox === 1)).toBe(true);
    expect((await events(batched.tenantId)).rows).toEqual(expected);
  }, 60_000);

  it('an oversized batch evaluates every rule of its organization, and old per-metric jobs still parse', () => {
    const tenantId = '5b0a4b53-2a3e-4bb5-9b1f-8d7a2f0c6a11';
    const ids = Array.from(
      { length: MAX_TOUCHED_METRICS + 1 },
      (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    );
    expect(
      evaluationsOf([
        { tenantId, metricIds: ids.slice(0, 10) },
        { tenantId, metricIds: ids.slice(5) },
      ]),
    ).toEqual([{ tenantId, scope: { all: true } }]);
    expect(evaluationsOf({ tenantId, metricId: ids[0] })).toEqual([
      { tenantId, scope: { touchedMetricIds: [ids[0]] } },
    ]);
    expect(evaluationsOf([{ tenantId, metricIds: [] }])).toBeNull();
    expect(evaluationsOf([{ tenantId: 'not-a-uuid', metricIds: [ids[0]] }])).toBeNull();
  });

  it("a locked organization's evaluation, delivery and digest jobs end cleanly: nothing fires, nothing is sent, nothing retries", async () => {
    const s = await setup('locked', `http://127.0.0.1:${port}/hooks/locked`);
    const tenantId = (
      await tdb.admin
        .selectFrom('organizations')
        .select('tenantId')
        .where('slug', '=', s.owner.slug)
        .executeTakeFirstOrThrow()
    ).tenantId;
    // Before the lock, with no worker running: the push queues its evaluation, and an evaluation run
    // here opens an alert whose webhook is pending (and queues its delivery).
    await s.push(99);
    await evaluateTenant(tdb.worker, { tenantId, scope: { ruleIds: [s.rule.id] }, publicUrl: 'http://mfiq.test' });
    const second = await s.api.alerts.create({
      slug: s.owner.slug,
      name: 'Orders above 20',
      metricKey: 'orders',
      grain: 'day',
      condition: { kind: 'threshold', op: 'above', value: 20 },
      recipients: { members: [], channels: [s.channel.id] },
      quietHours: null,
      cooldownMinutes: 0,
    });
    await tdb.admin
      .updateTable('organizations')
      .set({ lockedAt: new Date() })
      .where('tenantId', '=', tenantId)
      .execute();
    await sql`select graphile_worker.add_job('alerts_digest', json_build_object('tenantId', ${tenantId}::text),
                job_key => ${`alerts_digest:${tenantId}`}, max_attempts => 3)`.execute(tdb.admin);
    const jobs = () =>
      sql<{ task: string; attempts: number; lastError: string | null }>`
        select task_identifier as task, attempts, last_error from graphile_worker.jobs
         where key like ${`%${tenantId}%`}`.execute(tdb.admin);
    expect([...new Set((await jobs()).rows.map((j) => j.task))].sort()).toEqual([
      'alerts_deliver',
      'alerts_digest',
      'alerts_evaluate',
    ]);
    const w = await worker();
    try {
      // A job that failed stays queued with its error (for a retry); one that ended cleanly is gone.
      await waitFor(
        async () => (await jobs()).rows.every((j) => j.lastError !== null),
        20_000,
        "the locked organization's jobs to run",
      );
      expect((await jobs()).rows).toEqual([]);
    } finally {
      await w.stop();
    }
    const events = await tdb.admin
      .selectFrom('alertEvents')
      .select('ruleId')
      .where('tenantId', '=', tenantId)
      .execute();
    expect(events.map((e) => e.ruleId)).toEqual([s.rule.id]);
    expect(events.map((e) => e.ruleId)).not.toContain(second.id);
    expect(await deliveriesOf(s.channel.id)).toEqual([expect.objectContaining({ status: 'pending', attempts: 0 })]);
    expect(hits.filter((x) => x.headers['x-mfiq-delivery'] && x.body.includes(s.owner.slug))).toEqual([]);
  }, 60_000);
});
