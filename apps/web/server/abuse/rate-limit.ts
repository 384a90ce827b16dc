import type pg from 'pg';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { rateLimitKey } from '../ip.ts';

const RATE_WINDOW_SECONDS = 15 * 60;

export type RateCheck =
  { ok: true } | { ok: false; scope: 'ip' | 'form'; retryAfterSeconds: number; firstRefusal: boolean };

/**
 * Two fixed windows per public form, in PostgreSQL so every replica shares them: one per client
 * address (a single source hammering; an IPv6 /64 is one source, it can rotate through the rest) and
 * one for the form overall, the last resort against a distributed flood. Only submissions that passed
 * the token checks reach them (guard.ts), so junk cannot empty either. The table is created by
 * migration 0007; `tableCreated` stops the library from running DDL as the app role.
 */
export function createRateLimits(pool: pg.Pool, opts: { perIp: number; perForm: number }) {
  const make = (keyPrefix: string, points: number) =>
    new RateLimiterPostgres({
      storeClient: pool,
      storeType: 'pool',
      tableName: 'rate_limits',
      tableCreated: true,
      keyPrefix,
      points,
      duration: RATE_WINDOW_SECONDS,
    });
  const perIp = make('ip', opts.perIp);
  const perForm = make('form', opts.perForm);

  async function take(
    limiter: RateLimiterPostgres,
    key: string,
    points: number,
    scope: 'ip' | 'form',
  ): Promise<RateCheck> {
    try {
      await limiter.consume(key);
      return { ok: true };
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      // Only the first refusal in a window is worth a security event; the rest are the same flood.
      return {
        ok: false,
        scope,
        retryAfterSeconds: Math.max(1, Math.ceil(error.msBeforeNext / 1000)),
        firstRefusal: error.consumedPoints === points + 1,
      };
    }
  }

  return {
    /**
     * `subject` narrows the per-form window to one instance of a kind of form (a data form's id):
     * each data form has its own budget, and a flood at one does not close the others.
     */
    async consume(form: string, ip: string | null, subject?: string): Promise<RateCheck> {
      const byIp = await take(perIp, `${form}:${rateLimitKey(ip)}`, opts.perIp, 'ip');
      if (!byIp.ok) return byIp;
      return take(perForm, subject ? `${form}:${subject}` : form, opts.perForm, 'form');
    },
  };
}
