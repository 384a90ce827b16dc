import { createAuth, createSecretBox, generateAppKey } from '@mfiq/auth';
import type { Database } from '@mfiq/db';
import { createSignInThrottle } from '@mfiq/api/throttle';
import pg from 'pg';
import pino from 'pino';

/**
 * The API's dependencies as the web wires them (fresh application key, sign-in throttle on its own
 * pool), for benchmarks. close() ends the throttle's pool.
 */
export function benchApiDeps(db: Database, appUrl: string) {
  const throttlePool = new pg.Pool({ connectionString: appUrl, max: 2 });
  throttlePool.on('error', () => {});
  return {
    deps: {
      db,
      auth: createAuth({ db, secure: false }),
      logger: pino({ level: 'silent' }),
      secretBox: createSecretBox(generateAppKey()),
      throttle: createSignInThrottle(throttlePool),
      publicUrl: () => 'http://bench.test',
      // The benchmark loads share links from one address far faster than a TV would: the
      // limiter's writes are measured, its refusals are not.
      shareRateLimits: {
        perIp: { points: 1_000_000, durationSec: 60 },
        perLink: { points: 1_000_000, durationSec: 60 },
      },
    },
    close: () => throttlePool.end(),
  };
}

/** Sign-up completes from the emailed link: read it from the outbox, as the mail would carry it. */
export async function confirmationToken(adminOrOwnerUrl: string, email: string): Promise<string> {
  const c = new pg.Client({ connectionString: adminOrOwnerUrl });
  await c.connect();
  try {
    const mail = await c.query<{ text_body: string }>(
      'select text_body from email_outbox where to_address = $1 order by created_at desc limit 1',
      [email],
    );
    return /\/signup\/confirm\/([a-z2-7]+)/.exec(mail.rows[0]!.text_body)![1]!;
  } finally {
    await c.end();
  }
}
