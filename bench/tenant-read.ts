/**
 * Issue 2 benchmark: a read-only tenant procedure through the server-side caller (session check,
 * membership, withTenant, one indexed query) against the same SQL on a pool with an explicit
 * WHERE tenant_id = $1. Run: pnpm bench tenant-read
 */
import { createAuth, createSecretBox, generateAppKey } from '@mfiq/auth';
import { createSignInThrottle } from '@mfiq/api/throttle';
import { createDb } from '@mfiq/db';
import { startThrowawayCluster } from '@mfiq/db/throwaway';
import { createCaller, createContextFactory, issueFormPass } from '@mfiq/api/server';
import pg from 'pg';
import pino from 'pino';
import { compare } from './lib/measure.ts';

const ORGS = Number(process.env.BENCH_ORGS ?? 40);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 3000);

export async function benchTenantRead() {
  const cluster = await startThrowawayCluster('bench');
  const db = createDb(cluster.urls.app, { max: CONCURRENCY });
  const auth = createAuth({ db, secure: false });
  const throttlePool = new pg.Pool({ connectionString: cluster.urls.app, max: 2 });
  const createContext = createContextFactory({
    db,
    auth,
    logger: pino({ level: 'silent' }),
    secretBox: createSecretBox(generateAppKey()),
    throttle: createSignInThrottle(throttlePool),
    publicUrl: () => 'http://bench.test',
  });
  const context = async (cookie: string | null) => {
    const headers = new Headers(cookie ? { cookie } : {});
    return createContext({
      req: new Request('http://localhost/api/trpc', { headers }),
      resHeaders: new Headers(),
      clientIp: '127.0.0.1',
    });
  };
  const tenants: { slug: string; tenantId: string; cookie: string }[] = [];
  const ownerRead = new pg.Client({ connectionString: cluster.urls.owner });
  await ownerRead.connect();
  for (let i = 0; i < ORGS; i++) {
    const email = `bench-${i}@example.com`;
    const names = { displayName: `B ${i}`, organizationName: `Bench ${i}` };
    await createCaller({ ...(await context(null)), formPass: issueFormPass('sign-up') }).auth.signUp({
      email,
      ...names,
    });
    // Sign-up completes from the emailed link; read it from the outbox as the mail would carry it.
    const mail = await ownerRead.query<{ text_body: string }>(
      'select text_body from email_outbox where to_address = $1 order by created_at desc limit 1',
      [email],
    );
    const token = /\/signup\/confirm\/([a-z2-7]+)/.exec(mail.rows[0]!.text_body)![1]!;
    const ctx = await context(null);
    const out = await createCaller(ctx).auth.completeSignUp({ token, password: 'bench password 123', ...names });
    const cookie = ctx.resHeaders.getSetCookie()[0]!.split(';')[0]!;
    tenants.push({ slug: out.organization.slug, tenantId: '', cookie });
  }
  await ownerRead.end();
  const owner = new pg.Pool({ connectionString: cluster.urls.owner, max: CONCURRENCY });
  owner.on('error', () => {});
  const ids = await owner.query<{ tenant_id: string; slug: string }>('select tenant_id, slug from organizations');
  for (const t of tenants) t.tenantId = ids.rows.find((r) => r.slug === t.slug)!.tenant_id;

  let i = 0;
  const next = () => tenants[i++ % tenants.length]!;
  const result = await compare({
    rounds: ROUNDS,
    durationMs: DURATION_MS,
    concurrency: CONCURRENCY,
    baseline: () =>
      owner.query('select slug, name, timezone, week_start from organizations where tenant_id = $1', [next().tenantId]),
    candidate: async () => {
      const t = next();
      return createCaller(await context(t.cookie)).org.get({ slug: t.slug });
    },
  });
  await owner.end();
  await throttlePool.end();
  await db.destroy();
  await cluster.stop();
  return {
    name: 'tenant-read',
    what: 'org.get through the caller (session + membership + withTenant + query) vs the same SELECT on a pool with WHERE tenant_id = $1',
    concurrency: CONCURRENCY,
    baselineOpsPerSec: Math.round(result.baseline.opsPerSec),
    procedureOpsPerSec: Math.round(result.candidate.opsPerSec),
    ratio: Number(result.ratio.toFixed(3)),
    target: 0.75,
  };
}
