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
