import { CompiledQuery } from 'kysely';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { Database } from '@mfiq/db';

export interface RateLimit {
  /** Requests allowed per window. */
  points: number;
  /** Window length in seconds. */
  durationSec: number;
}

/** Default for API keys: a steady 10 pushes a second, with bursts up to the window's budget. */
export const DEFAULT_API_KEY_LIMIT: RateLimit = { points: 600, durationSec: 60 };

export type LimitOutcome = { ok: true } | { ok: false; retryAfterSec: number };

/**
 * Per-key request limits in PostgreSQL (rate-limiter-flexible's store, table api_rate_limits), so
 * every web replica shares the same counters without another server. The store talks to the pool
 * through a small adapter over Kysely: the pool stays private to the API package.
 */
export function createApiKeyLimiter(db: Database, limit: RateLimit = DEFAULT_API_KEY_LIMIT) {
  const storeClient = {
    async query(q: { text: string; values?: unknown[] }) {
      const result = await db.executeQuery(CompiledQuery.raw(q.text, q.values ?? []));
      return { rows: result.rows, rowCount: result.rows.length };
    },
  };
  const limiter = new RateLimiterPostgres({
    storeClient,
    storeType: 'client',
    tableName: 'api_rate_limits',
    tableCreated: true,
    keyPrefix: 'apikey',
    points: limit.points,
    duration: limit.durationSec,
  });
  return async function consume(keyId: string): Promise<LimitOutcome> {
    try {
      await limiter.consume(keyId, 1);
      return { ok: true };
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes)
        return { ok: false, retryAfterSec: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) };
      throw rejection;
    }
  };
}
