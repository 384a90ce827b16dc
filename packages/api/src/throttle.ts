import { createHash } from 'node:crypto';
import type pg from 'pg';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { networkOf } from './ip-network.ts';

/**
 * Sign-in throttling on rate-limiter-flexible's PostgreSQL store (shared by every web replica).
 * An attempt is taken from each budget *before* any password work, atomically in the database, so
 * parallel requests cannot race past a limit; a proven password gives it back. Budgets:
 *
 * - per account and network: a person mistyping from one place, or one attacker on one account;
 * - per network (an IPv4 address, an IPv6 /64): credential stuffing across many accounts;
 * - per account, for sources it has never signed in from, all of them together: one account
 *   guessed from many networks at once. A network the user has signed in from before never
 *   touches this budget, so an attacker who spends it cannot lock the owner out of their usual
 *   places (docs/decisions/0095-sign-in-throttling.md).
 *
 * Keys are SHA-256 hashes, so the table holds no email addresses or addresses.
 */
export interface ThrottleLimits {
  /** Attempts allowed for one email from one network within the window. */
  accountIpPoints: number;
  accountIpWindowSeconds: number;
  /** Attempts allowed from one network (any emails) within the window. */
  ipPoints: number;
  ipWindowSeconds: number;
  /** Attempts on one email from every network it has not signed in from, together. */
  accountPoints: number;
  accountWindowSeconds: number;
}

export const DEFAULT_THROTTLE: ThrottleLimits = {
  accountIpPoints: 5,
  accountIpWindowSeconds: 15 * 60,
  ipPoints: 50,
  ipWindowSeconds: 60 * 60,
  accountPoints: 10,
  accountWindowSeconds: 15 * 60,
};

export interface ThrottleAttempt {
  email: string;
  ip: string | null;
  /** True when the user has never signed in from this network (or the email has no account). */
  unknownSource?: boolean;
}

export type ThrottleVerdict = { ok: true } | { ok: false; retryAfter: number };

export interface SignInThrottle {
  /**
   * Takes one attempt from every budget that applies, before the password is checked. Refused:
   * the seconds until a retry can succeed; the budgets taken so far are given back, so a refused
   * attempt costs nothing but the answer.
   */
  attempt(a: ThrottleAttempt): Promise<ThrottleVerdict>;
  /** The attempt proved the password or code: its account+network failures are cleared, the rest refunded. */
  succeeded(a: ThrottleAttempt): Promise<void>;
}

const hash = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

export function createSignInThrottle(pool: pg.Pool, limits: ThrottleLimits = DEFAULT_THROTTLE): SignInThrottle {
  const limiter = (keyPrefix: string, points: number, duration: number) =>
    new RateLimiterPostgres({
      storeClient: pool,
      storeType: 'pool',
      tableName: 'sign_in_throttle',
      tableCreated: true,
      clearExpiredByTimeout: false,
      keyPrefix,
      points,
      duration,
    });
  const accountIp = limiter('aip', limits.accountIpPoints, limits.accountIpWindowSeconds);
  const perIp = limiter('ip', limits.ipPoints, limits.ipWindowSeconds);
  const perAccount = limiter('acct', limits.accountPoints, limits.accountWindowSeconds);

  const budgets = (a: ThrottleAttempt) => {
    const email = a.email.trim().toLowerCase();
    const net = networkOf(a.ip);
    return [
      { limiter: accountIp, key: hash(`${email}|${net}`) },
      { limiter: perIp, key: hash(net) },
      ...(a.unknownSource ? [{ limiter: perAccount, key: hash(email) }] : []),
    ];
  };

  return {
    async attempt(a) {
      const taken: { limiter: RateLimiterPostgres; key: string }[] = [];
      // In order, so an attempt refused by its own network's budget never spends the account-wide one.
      for (const b of budgets(a)) {
        try {
          await b.limiter.consume(b.key, 1);
          taken.push(b);
        } catch (rejection) {
          if (!(rejection instanceof RateLimiterRes)) throw rejection;
          await Promise.all([b, ...taken].map((t) => t.limiter.reward(t.key, 1)));
          return { ok: false, retryAfter: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) };
        }
      }
      return { ok: true };
    },
    async succeeded(a) {
      const [own, ...rest] = budgets(a);
      await Promise.all([own!.limiter.delete(own!.key), ...rest.map((b) => b.limiter.reward(b.key, 1))]);
    },
  };
}

/** "45 seconds", "3 minutes": how long to wait, for people. */
export function waitText(seconds: number): string {
  const minutes = Math.ceil(seconds / 60);
  return seconds < 60 ? `${seconds} seconds` : `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

export function retryMessage(seconds: number): string {
  return `Too many attempts. Try again in ${waitText(seconds)}.`;
}
