/**
 * Issue 4 benchmark: points per second through the push API (HTTP JSON route handler: body
 * parsing, zod, API-key lookup, scope, rate limit, per-point checks, INSERT ... SELECT FROM unnest,
 * rollup trigger, audit, JSON response) against INSERT ... SELECT FROM unnest(...) of the same rows
 * on a direct connection (superuser: no RLS, no API), both in batches of 1,000 new points with a few
 * concurrent clients. Both pay the rollup trigger: it is part of writing a point. Run: pnpm bench ingest
 */
import { createAuth, createSecretBox, generateAppKey } from '@mfiq/auth';
import { createSignInThrottle } from '@mfiq/api/throttle';
import { createDb } from '@mfiq/db';
import { startThrowawayCluster } from '@mfiq/db/throwaway';
import { createCaller, createContextFactory, createRestHandler, issueFormPass } from '@mfiq/api/server';
import pg from 'pg';
import pino from 'pino';
import { compare } from './lib/measure.ts';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 4000);
const BATCH = 1000;
const METRICS = 10;

export async function benchIngest() {
  const cluster = await startThrowawayCluster('bench_ingest');
  const db = createDb(cluster.urls.app, { max: CONCURRENCY + 2 });
  const auth = createAuth({ db, secure: false });
  const logger = pino({ level: 'silent' });
  const throttlePool = new pg.Pool({ connectionString: cluster.urls.app, max: 2 });
  const createContext = createContextFactory({
    db,
    auth,
    logger,
    apiKeyRateLimit: { points: 1_000_000, durationSec: 60 },
    secretBox: createSecretBox(generateAppKey()),
    throttle: createSignInThrottle(throttlePool),
    publicUrl: () => 'http://bench.test',
  });
  const rest = createRestHandler({ createContext, logger });

  const askCtx = await createContext({
    req: new Request('http://localhost/'),
    resHeaders: new Headers(),
    clientIp: '127.0.0.1',
    formPass: issueFormPass('sign-up'),
  });
  await createCaller(askCtx).auth.signUp({ email: 'ingest@example.com', displayName: 'I', organizationName: 'Ingest' });
  // Sign-up completes from the emailed link; read it from the outbox as the mail would carry it.
  const mailReader = new pg.Client({ connectionString: cluster.urls.admin });
  await mailReader.connect();
  const mail = await mailReader.query<{ text_body: string }>(
    `select text_body from email_outbox where to_address = 'ingest@example.com' order by created_at desc limit 1`,
  );
  await mailReader.end();
  const signUpToken = /\/signup\/confirm\/([a-z2-7]+)/.exec(mail.rows[0]!.text_body)![1]!;
  const signUpCtx = await createContext({
    req: new Request('http://localhost/'),
    resHeaders: new Headers(),
    clientIp: '127.0.0.1',
  });
  const out = await createCaller(signUpCtx).auth.completeSignUp({
    token: signUpToken,
    password: 'bench password 123',
    displayName: 'I',
    organizationName: 'Ingest',
  });
  const cookie = signUpCtx.resHeaders.getSetCookie()[0]!.split(';')[0]!;
  const owner = createCaller(
    await createContext({
      req: new Request('http://localhost/', { headers: { cookie } }),
      resHeaders: new Headers(),
      clientIp: '127.0.0.1',
    }),
  );
  const slug = out.organization.slug;
  for (let m = 0; m < METRICS; m++) {
    await owner.metrics.create({ slug, key: `api_${m}`, name: `API ${m}` });
    await owner.metrics.create({ slug, key: `sql_${m}`, name: `SQL ${m}` });
  }
  const { token } = await owner.apiKeys.create({ slug, name: 'bench', scopes: ['data:write'] });

  const direct = new pg.Pool({ connectionString: cluster.urls.admin, max: CONCURRENCY });
  direct.on('error', () => {});
  const tenantId = (
    await direct.query<{ tenant_id: string }>('select tenant_id from organizations where slug = $1', [slug])
  ).rows[0]!.tenant_id;
  const sqlIds = (
    await direct.query<{ id: string }>(`select id from metrics where key like 'sql\\_%' order by key`)
  ).rows.map((r) => r.id);

  // Every batch is new rows: one metric per batch, consecutive minutes after a per-batch offset.
  let apiBatch = 0;
  let sqlBatch = 0;
  const t0 = Date.UTC(2001, 0, 1);
  const stamps = (n: number) =>
    Array.from({ length: BATCH }, (_, i) =>
      new Date(t0 + (Math.floor(n / METRICS) * BATCH + i) * 60_000).toISOString(),
    );
  const values = Array.from({ length: BATCH }, (_, i) => i * 1.5);

  const result = await compare({
    rounds: ROUNDS,
    durationMs: DURATION_MS,
    concurrency: CONCURRENCY,
    baseline: () => {
      const n = sqlBatch++;
      const id = sqlIds[n % METRICS]!;
      return direct.query(
        `insert into data_points (tenant_id, metric_id, ts, value)
         select $1::uuid, m, t, v from unnest($2::uuid[], $3::timestamptz[], $4::float8[]) as u (m, t, v)
         on conflict (tenant_id, metric_id, ts) do update set value = excluded.value, updated_at = now()
           where data_points.value is distinct from excluded.value`,
        [tenantId, Array(BATCH).fill(id), stamps(n), values],
      );
    },
    candidate: async () => {
      const n = apiBatch++;
      const metric = `api_${n % METRICS}`;
      const ts = stamps(n);
      const body = JSON.stringify({ points: ts.map((t, i) => ({ metric, ts: t, value: values[i] })) });
      const res = await rest(
        new Request('http://localhost/api/v1/points', {
          method: 'POST',
          body,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        }),
        '127.0.0.1',
      );
      const json = (await res.json()) as { written?: number };
      if (res.status !== 200 || json.written !== BATCH)
        throw new Error(`push failed: ${res.status} ${JSON.stringify(json).slice(0, 200)}`);
    },
  });
  await direct.end();
  await throttlePool.end();
  await db.destroy();
  await cluster.stop();
  return {
    name: 'ingest',
    what: 'points/s through the push API (POST /api/v1/points handler, batches of 1,000) vs INSERT ... SELECT FROM unnest of the same rows on a direct superuser connection',
    concurrency: CONCURRENCY,
    batch: BATCH,
    baselinePointsPerSec: Math.round(result.baseline.opsPerSec * BATCH),
    pushApiPointsPerSec: Math.round(result.candidate.opsPerSec * BATCH),
    ratio: Number(result.ratio.toFixed(3)),
    target: 0.5,
  };
}
