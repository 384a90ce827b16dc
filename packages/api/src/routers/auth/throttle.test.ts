import type * as AuthModule from '@mfiq/auth';
import { TRPCError } from '@trpc/server';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHarness, TEST_PASSWORD, type Harness } from '../../testing/harness.ts';

/**
 * Sign-in throttling as an attacker meets it: parallel guesses, many networks, IPv6 address
 * rotation. "Verified" is counted where the CPU goes, at argon2 (every verification, against a
 * real hash or the dummy), so the tests prove how much password work a flood can buy.
 */
const argon2 = vi.hoisted(() => ({ verifications: 0 }));
vi.mock('@mfiq/auth', async (importOriginal) => {
  const original = await importOriginal<typeof AuthModule>();
  return {
    ...original,
    verifyPassword: (hash: string, pw: string) => {
      argon2.verifications += 1;
      return original.verifyPassword(hash, pw);
    },
    verifyPasswordAgainstDummy: (pw: string) => {
      argon2.verifications += 1;
      return original.verifyPasswordAgainstDummy(pw);
    },
  };
});

const LIMITS = {
  accountIpPoints: 5,
  accountIpWindowSeconds: 900,
  ipPoints: 50,
  ipWindowSeconds: 3600,
  accountPoints: 10,
  accountWindowSeconds: 900,
};

let tdb: TestDatabase;
let h: Harness;
beforeAll(async () => {
  tdb = await createTestDatabase();
  h = createHarness(tdb, { throttle: LIMITS });
});
afterAll(async () => {
  await h.close();
  await tdb.drop();
});
beforeEach(async () => {
  await tdb.admin.deleteFrom('signInThrottle').execute();
  argon2.verifications = 0;
});

const outcome = (p: Promise<unknown>) =>
  p.then(
    () => 'OK',
    (e: unknown) => (e instanceof TRPCError ? e.code : `THREW ${String(e)}`),
  );

/** Fires all guesses at once, each from its own caller, and counts the answers by code. */
async function flood(email: string, ips: string[]): Promise<Record<string, number>> {
  const callers = await Promise.all(ips.map((ip) => h.as(null, ip)));
  const answers = await Promise.all(
    callers.map((c, i) => outcome(c.auth.signIn({ email, password: `wrong guess number ${i}` }))),
  );
  return answers.reduce<Record<string, number>>((acc, a) => ({ ...acc, [a]: (acc[a] ?? 0) + 1 }), {});
}

describe('sign-in throttling under attack (finding 15)', () => {
  it('N parallel wrong attempts from one address: no more than the limit reach argon2, and the owner still signs in from elsewhere', async () => {
    // The harness signs the user up from 203.0.113.7: that network is known to the account.
    const user = await h.signUp('parallel');
    argon2.verifications = 0;
    const answers = await flood(user.email, Array<string>(30).fill('192.0.2.10'));
    expect(argon2.verifications).toBe(LIMITS.accountIpPoints);
    expect(answers).toEqual({ UNAUTHORIZED: LIMITS.accountIpPoints, TOO_MANY_REQUESTS: 30 - LIMITS.accountIpPoints });
    // The owner from their usual address, and from a new one, is not locked out.
    expect(
      (await (await h.as(null, '203.0.113.7')).auth.signIn({ email: user.email, password: TEST_PASSWORD })).status,
    ).toBe('signed_in');
    expect(
      (await (await h.as(null, '198.51.100.200')).auth.signIn({ email: user.email, password: TEST_PASSWORD })).status,
    ).toBe('signed_in');
  });

  it('an unknown email costs the same and is throttled the same (no enumeration, no free argon2)', async () => {
    const answers = await flood('nobody-at-all@example.com', Array<string>(12).fill('192.0.2.11'));
    expect(argon2.verifications).toBe(LIMITS.accountIpPoints);
    expect(answers).toEqual({ UNAUTHORIZED: LIMITS.accountIpPoints, TOO_MANY_REQUESTS: 12 - LIMITS.accountIpPoints });
  });

  it('rotating addresses inside one IPv6 /64 counts as one network', async () => {
    const user = await h.signUp('v6');
    argon2.verifications = 0;
    const ips = Array.from({ length: 20 }, (_, i) => `2001:db8:7:1:${(i + 1).toString(16)}::${i + 7}`);
    const answers = await flood(user.email, ips);
    expect(argon2.verifications).toBe(LIMITS.accountIpPoints);
    expect(answers.TOO_MANY_REQUESTS).toBe(20 - LIMITS.accountIpPoints);
  });

  it('guesses from many networks share one account-wide budget, which never blocks the networks the owner signs in from', async () => {
    const user = await h.signUp('distributed');
    argon2.verifications = 0;
    // Six networks of five guesses each: within every per-network limit, 30 guesses in all.
    const ips = Array.from({ length: 30 }, (_, i) => `198.51.100.${10 + Math.floor(i / 5)}`);
    const answers = await flood(user.email, ips);
    expect(argon2.verifications).toBe(LIMITS.accountPoints);
    expect(answers).toEqual({ UNAUTHORIZED: LIMITS.accountPoints, TOO_MANY_REQUESTS: 30 - LIMITS.accountPoints });
    // The attacker cannot use the spent budget as a lockout: the owner's own network still gets in.
    expect(
      (await (await h.as(null, '203.0.113.7')).auth.signIn({ email: user.email, password: TEST_PASSWORD })).status,
    ).toBe('signed_in');
    // A network the account has never used waits, even with the right password (the cost of the guarantee).
    expect(
      await outcome((await h.as(null, '192.0.2.99')).auth.signIn({ email: user.email, password: TEST_PASSWORD })),
    ).toBe('TOO_MANY_REQUESTS');
  });

  it('a correct password gives its attempt back: a person signing in often is never throttled', async () => {
    const user = await h.signUp('frequent');
    for (let i = 0; i < LIMITS.accountIpPoints * 3; i++) {
      const out = await (await h.as(null, '192.0.2.77')).auth.signIn({ email: user.email, password: TEST_PASSWORD });
      expect(out.status).toBe('signed_in');
    }
  });
});
