/**
 * Issue 3 benchmark: sign-in throughput through the real auth.signIn procedure (throttle check,
 * user lookup, argon2id verification, throttle reset, session insert, security event) with
 * concurrent clients, against a loop of bare argon2id verifications at the same parameters and
 * the same concurrency. argon2 dominates by design; the ratio shows what the rest costs.
 * Run: pnpm bench sign-in
 */
import { createAuth, createSecretBox, generateAppKey, hashPassword, verifyPassword } from '@mfiq/auth';
import { createDb } from '@mfiq/db';
import { startThrowawayCluster } from '@mfiq/db/throwaway';
import { createCaller, createContextFactory, issueFormPass } from '@mfiq/api/server';
import { createSignInThrottle } from '@mfiq/api/throttle';
import pg from 'pg';
import pino from 'pino';
import { compare } from './lib/measure.ts';

const USERS = Number(process.env.BENCH_USERS ?? 20);
// 8 clients on this 2-core machine keep argon2's threads busy while other sign-ins wait on their
// database round trips; at 4, the procedure is partly latency-bound (ratio about 0.6-0.7 here).
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 3000);
const PASSWORD = 'bench password 123';

export async function benchSignIn() {
  const cluster = await startThrowawayCluster('bench');
  const db = createDb(cluster.urls.app, { max: CONCURRENCY + 2 });
  const throttlePool = new pg.Pool({ connectionString: cluster.urls.app, max: CONCURRENCY });
  const auth = createAuth({ db, secure: false });
  const createContext = createContextFactory({
    db,
    auth,
    logger: pino({ level: 'silent' }),
    secretBox: createSecretBox(generateAppKey()),
    throttle: createSignInThrottle(throttlePool),
    publicUrl: () => 'http://bench.test',
  });
  const passwordHash = await hashPassword(PASSWORD);
  const owner = new pg.Pool({ connectionString: cluster.urls.owner, max: 2 });
  const emails: string[] = [];
  for (let i = 0; i < USERS; i++) {
    emails.push(`bench-${i}@example.com`);
    await owner.query(`insert into users (email, display_name, password_hash) values ($1, 'Bench', $2)`, [
      emails[i],
      passwordHash,
    ]);
  }
  await owner.end();

  let i = 0;
  const result = await compare({
    rounds: ROUNDS,
    durationMs: DURATION_MS,
    concurrency: CONCURRENCY,
    baseline: async () => {
      if (!(await verifyPassword(passwordHash, PASSWORD))) throw new Error('verification failed');
    },
    candidate: async () => {
      const email = emails[i++ % emails.length]!;
      // Each client signs in from its own address, as real clients do (the throttle is keyed by IP).
      const ctx = await createContext({
        req: new Request('http://localhost/api/trpc', { headers: { 'user-agent': 'bench' } }),
        resHeaders: new Headers(),
        clientIp: `10.0.${(i >> 8) & 255}.${i & 255}`,
        formPass: issueFormPass('sign-in'),
      });
      const out = await createCaller(ctx).auth.signIn({ email, password: PASSWORD });
      if (out.status !== 'signed_in') throw new Error('sign-in failed');
    },
  });
  await throttlePool.end();
  await db.destroy();
  await cluster.stop();
  return {
    name: 'sign-in',
    what: 'auth.signIn through the caller (throttle + lookup + argon2id verify + session + security event) vs bare argon2id verifications, same params and concurrency',
    concurrency: CONCURRENCY,
    baselineOpsPerSec: Math.round(result.baseline.opsPerSec * 10) / 10,
    procedureOpsPerSec: Math.round(result.candidate.opsPerSec * 10) / 10,
    ratio: Number(result.ratio.toFixed(3)),
    target: 0.8,
  };
}
