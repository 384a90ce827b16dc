import { CompiledQuery } from 'kysely';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { Database } from '@mfiq/db';

export interface RateLimit {
  /** Requests allowed per window. */
  points: number;
  /** Window length in seconds. */
  durationSec: number;
}

/**
 * Default for API keys: a steady 10 pushes a second, with bursts up to the window's budget. Counted
 * in PostgreSQL (app_api_key_rate, migration 0014) so every web replica shares the counters, in a
 * statement of its own on the request's one connection (packages/db withApiKeyTenant).
 */
export const DEFAULT_API_KEY_LIMIT: RateLimit = { points: 600, durationSec: 60 };

export type LimitOutcome = { ok: true } | { ok: false; retryAfterSec: number };

/** Default for share links: a person reloading, or a few TVs refreshing, per address; a leaked link's flood per link. */
const DEFAULT_SHARE_LIMITS: { perIp: RateLimit; perLink: RateLimit } = {
  perIp: { points: 60, durationSec: 60 },
  perLink: { points: 300, durationSec: 60 },
};

/**
 * Share-link views: one budget per client address over all links (unknown tokens included) and
 * one per link over all addresses, both spent before the link is looked up. Each count is one
 * statement on the pool that completes before the tenant transaction takes its connection, so a
 * request never holds two connections at once (ADR 0081).
 */
export function createShareLimiter(db: Database, limits = DEFAULT_SHARE_LIMITS) {
  const perIp = createRateLimiter(db, limits.perIp, 'share-ip');
  const perLink = createRateLimiter(db, limits.perLink, 'share-link');
  return async function consume(ip: string | null, tokenHash: string): Promise<LimitOutcome> {
    const byIp = await perIp(ip ?? 'unknown');
    if (!byIp.ok) return byIp;
    return perLink(tokenHash);
  };
}

/**
 * Limits in PostgreSQL (rate-limiter-flexible's store, table api_rate_limits), so every web replica
 * shares the same counters without another server. The store talks to the pool through a small
 * adapter over Kysely: the pool stays private to the API package.
 */
function createRateLimiter(db: Database, limit: RateLimit, keyPrefix: string) {
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
    keyPrefix,
    points: limit.points,
    duration: limit.durationSec,
  });
  return async function consume(key: string): Promise<LimitOutcome> {
    try {
      await limiter.consume(key, 1);
      return { ok: true };
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes)
        return { ok: false, retryAfterSec: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) };
      throw rejection;
    }
  };
}
