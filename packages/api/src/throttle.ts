import { createHash } from 'node:crypto';
import type pg from 'pg';
import { RateLimiterPostgres, type RateLimiterRes } from 'rate-limiter-flexible';

/**
 * Sign-in throttling on rate-limiter-flexible's PostgreSQL store (shared by every web replica).
 * Failures are counted per account+IP and per IP, never per account alone: someone else failing
 * against your email from their address cannot lock you out of yours. Keys are hashes, so the
 * table holds no email addresses. A success clears the account+IP count.
 */
export interface ThrottleLimits {
  /** Failures allowed for one email from one IP within the window. */
  accountIpPoints: number;
  accountIpWindowSeconds: number;
  /** Failures allowed from one IP (any emails) within the window: credential stuffing. */
  ipPoints: number;
  ipWindowSeconds: number;
}

export const DEFAULT_THROTTLE: ThrottleLimits = {
  accountIpPoints: 5,
  accountIpWindowSeconds: 15 * 60,
  ipPoints: 50,
  ipWindowSeconds: 60 * 60,
};

export interface SignInThrottle {
  /** Seconds until the next attempt is allowed, or null when it is allowed now. */
  retryAfter(email: string, ip: string | null): Promise<number | null>;
  /** retryAfter, plus whether this account+IP has failures on record (a success must clear them). */
  check(email: string, ip: string | null): Promise<{ retryAfter: number | null; hasFailures: boolean }>;
  recordFailure(email: string, ip: string | null): Promise<void>;
  recordSuccess(email: string, ip: string | null): Promise<void>;
}

const hash = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

export function createSignInThrottle(pool: pg.Pool, limits: ThrottleLimits = DEFAULT_THROTTLE): SignInThrottle {
  const common = {
    storeClient: pool,
    storeType: 'pool',
    tableName: 'sign_in_throttle',
    tableCreated: true,
    clearExpiredByTimeout: false,
  } as const;
  const accountIp = new RateLimiterPostgres({
    ...common,
    keyPrefix: 'aip',
    points: limits.accountIpPoints,
    duration: limits.accountIpWindowSeconds,
  });
  const perIp = new RateLimiterPostgres({
    ...common,
    keyPrefix: 'ip',
    points: limits.ipPoints,
    duration: limits.ipWindowSeconds,
  });
  const keys = (email: string, ip: string | null) => {
    const addr = ip ?? 'unknown';
    return { accountIp: hash(`${email.trim().toLowerCase()}|${addr}`), ip: hash(addr) };
  };
  const wait = (res: RateLimiterRes | null, points: number) =>
    res && res.consumedPoints >= points ? Math.max(1, Math.ceil(res.msBeforeNext / 1000)) : null;

  return {
    async check(email, ip) {
      const k = keys(email, ip);
      const [a, i] = await Promise.all([accountIp.get(k.accountIp), perIp.get(k.ip)]);
      const waits = [wait(a, limits.accountIpPoints), wait(i, limits.ipPoints)].filter((w): w is number => w !== null);
      return { retryAfter: waits.length ? Math.max(...waits) : null, hasFailures: (a?.consumedPoints ?? 0) > 0 };
    },
    async retryAfter(email, ip) {
      return (await this.check(email, ip)).retryAfter;
    },
    async recordFailure(email, ip) {
      const k = keys(email, ip);
      // consume() rejects once the points are used up; the count is stored either way.
      await Promise.all([
        accountIp.consume(k.accountIp).catch(rejectedOrThrow),
        perIp.consume(k.ip).catch(rejectedOrThrow),
      ]);
    },
    async recordSuccess(email, ip) {
      await accountIp.delete(keys(email, ip).accountIp);
    },
  };
}

function rejectedOrThrow(error: unknown): void {
  if (error instanceof Error) throw error;
  // A RateLimiterRes (not an Error) means "over the limit": expected here.
}

export function retryMessage(seconds: number): string {
  const minutes = Math.ceil(seconds / 60);
  return seconds < 60
    ? `Too many attempts. Try again in ${seconds} seconds.`
    : `Too many attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`;
}
