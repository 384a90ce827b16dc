import { createSecretBox, generateAppKey, legacyRecoveryCodeDigest, recoveryCodeHash, totpCode } from '@mfiq/auth';
import { TRPCError } from '@trpc/server';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upgradeRecoveryCodes } from '../../recovery-codes.ts';
import { createHarness, snapshot, TEST_PASSWORD, type Harness } from '../../testing/harness.ts';

/** A clock the tests move: TOTP steps, re-authentication windows and session policies follow it. */
const clock = { ms: Date.parse('2031-03-01T09:00:00Z') };
const now = () => new Date(clock.ms);
const advance = (ms: number) => {
  clock.ms += ms;
};

let tdb: TestDatabase;
let h: Harness;
beforeAll(async () => {
  tdb = await createTestDatabase();
  h = createHarness(tdb, {
    now,
    throttle: {
      accountIpPoints: 3,
      accountIpWindowSeconds: 600,
      ipPoints: 20,
      ipWindowSeconds: 3600,
      accountPoints: 6,
      accountWindowSeconds: 600,
    },
  });
});
afterAll(async () => {
  await h.close();
  await tdb.drop();
});

const code = (p: Promise<unknown>) =>
  p.then(
    () => 'OK',
    (e: unknown) => (e instanceof TRPCError ? e.code : `THREW ${String(e)}`),
  );
const message = (p: Promise<unknown>) =>
  p.then(
    () => 'OK',
    (e: Error) => e.message,
  );

/** Turns two-factor on for a signed-in user; returns the secret and the recovery codes. */
async function enableTwoFactor(cookie: string) {
  const { secret, uri } = await (await h.as(cookie)).account.beginTwoFactor();
  expect(uri).toMatch(/^otpauth:\/\/totp\//);
  advance(30_000);
  const { recoveryCodes } = await (await h.as(cookie)).account.confirmTwoFactor({ code: totpCode(secret, now()) });
  return { secret, recoveryCodes };
}

async function passwordStep(email: string, ip?: string) {
  const out = await (await h.as(null, ip)).auth.signIn({ email, password: TEST_PASSWORD });
  if (out.status !== 'two_factor_required') throw new Error('expected a two-factor challenge');
  return out.challenge;
}

describe('two-factor', () => {
  it('set-up stores the secret sealed, and sign-in then needs a code', async () => {
    const user = await h.signUp('tf');
    const { secret, recoveryCodes } = await enableTwoFactor(user.cookie);
    expect(recoveryCodes).toHaveLength(10);
    const row = await tdb.admin
      .selectFrom('userTwoFactor')
      .selectAll()
      .where('userId', '=', user.userId)
      .executeTakeFirstOrThrow();
    expect(row.secretCiphertext).not.toContain(secret);
    expect(h.secretBox.open(row.secretCiphertext)).toBe(secret);
    const stored = await tdb.admin
      .selectFrom('recoveryCodes')
      .select('codeHash')
      .where('userId', '=', user.userId)
      .execute();
    expect(stored.map((r) => r.codeHash).join()).not.toContain(recoveryCodes[0]!.replace(/-/g, ''));
    expect((await h.lastMail(user.email, 'two_factor_changed'))?.textBody).toMatch(/turned on/);

    const challenge = await passwordStep(user.email);
    advance(30_000);
    const caller = await h.as();
    expect((await caller.auth.signInTwoFactor({ challenge, code: totpCode(secret, now()) })).status).toBe('signed_in');
    expect((await (await h.as(h.cookieFrom(caller.resHeaders))).auth.me()).user.email).toBe(user.email);
  });

  it('refuses a wrong code, a reused code and an expired code', async () => {
    const user = await h.signUp('tfbad');
    const { secret } = await enableTwoFactor(user.cookie);
    advance(30_000);
    const good = totpCode(secret, now());
    const wrong = good === '000000' ? '111111' : '000000';
    let challenge = await passwordStep(user.email, '198.51.100.1');
    expect(await code((await h.as(null, '198.51.100.1')).auth.signInTwoFactor({ challenge, code: wrong }))).toBe(
      'UNAUTHORIZED',
    );
    expect((await (await h.as(null, '198.51.100.1')).auth.signInTwoFactor({ challenge, code: good })).status).toBe(
      'signed_in',
    );
    // The same code again (a replay) on a new challenge.
    challenge = await passwordStep(user.email, '198.51.100.1');
    expect(await message((await h.as(null, '198.51.100.1')).auth.signInTwoFactor({ challenge, code: good }))).toMatch(
      /not valid/,
    );
    // A code from two minutes ago.
    advance(120_000);
    expect(
      await code(
        (await h.as(null, '198.51.100.1')).auth.signInTwoFactor({
          challenge,
          code: totpCode(secret, new Date(clock.ms - 120_000)),
        }),
      ),
    ).toBe('UNAUTHORIZED');
    // An expired challenge, even with a good code.
    const old = await passwordStep(user.email, '198.51.100.2');
    advance(6 * 60_000);
    expect(
      await message(
        (await h.as(null, '198.51.100.2')).auth.signInTwoFactor({ challenge: old, code: totpCode(secret, now()) }),
      ),
    ).toMatch(/expired/);
  });

  it('a recovery code works once; a wrong or used one is refused', async () => {
    const user = await h.signUp('tfrec');
    const { recoveryCodes } = await enableTwoFactor(user.cookie);
    const ip = '198.51.100.3';
    const first = recoveryCodes[0]!;
    expect(
      (
        await (
          await h.as(null, ip)
        ).auth.signInTwoFactor({ challenge: await passwordStep(user.email, ip), code: first.toUpperCase() })
      ).status,
    ).toBe('signed_in');
    expect(
      await code(
        (await h.as(null, ip)).auth.signInTwoFactor({ challenge: await passwordStep(user.email, ip), code: first }),
      ),
    ).toBe('UNAUTHORIZED');
    expect(
      await code(
        (await h.as(null, ip)).auth.signInTwoFactor({
          challenge: await passwordStep(user.email, ip),
          code: 'aaaa-bbbb-cccc',
        }),
      ),
    ).toBe('UNAUTHORIZED');
    expect((await (await h.as(user.cookie)).account.get()).twoFactor.recoveryCodesLeft).toBe(9);
    const events = await tdb.admin
      .selectFrom('platformAuditOutbox')
      .select('action')
      .where('actorId', '=', user.userId)
      .execute();
    expect(events.map((e) => e.action)).toContain('user.recovery_code_used');
  });

  it('recovery codes are stored as HMAC under a sub-key of the application key, not as a bare SHA-256 (finding 19)', async () => {
    const user = await h.signUp('tfhmac');
    const { recoveryCodes } = await enableTwoFactor(user.cookie);
    const stored = await tdb.admin
      .selectFrom('recoveryCodes')
      .select(['codeHash', 'keyed'])
      .where('userId', '=', user.userId)
      .execute();
    expect(stored).toHaveLength(10);
    expect(stored.every((r) => r.keyed)).toBe(true);
    const hashes = new Set(stored.map((r) => r.codeHash));
    for (const c of recoveryCodes) {
      // What a leaked table would let an attacker check offline: SHA-256 of the code. Not stored.
      expect(hashes.has(legacyRecoveryCodeDigest(c))).toBe(false);
      expect(hashes.has(recoveryCodeHash(h.secretBox, c))).toBe(true);
      // Another key (another installation) gives other values; neither is the raw sealing key's HMAC.
      expect(hashes.has(recoveryCodeHash(createSecretBox(generateAppKey()), c))).toBe(false);
    }
  });

  it('recovery codes stored before keying still work, and are converted in place without their plain codes', async () => {
    const user = await h.signUp('tflegacy');
    const { recoveryCodes } = await enableTwoFactor(user.cookie);
    // Rewrite the rows as an older version stored them: bare SHA-256, not keyed.
    await tdb.admin.deleteFrom('recoveryCodes').where('userId', '=', user.userId).execute();
    await tdb.admin
      .insertInto('recoveryCodes')
      .values(recoveryCodes.map((c) => ({ userId: user.userId, codeHash: legacyRecoveryCodeDigest(c), keyed: false })))
      .execute();
    const ip = '198.51.100.4';
    const signInWith = async (c: string) =>
      (await (await h.as(null, ip)).auth.signInTwoFactor({ challenge: await passwordStep(user.email, ip), code: c }))
        .status;
    // Before the conversion a legacy row is still accepted (an older replica may have written it).
    expect(await signInWith(recoveryCodes[0]!)).toBe('signed_in');
    expect(await upgradeRecoveryCodes(tdb.app, h.secretBox)).toBeGreaterThanOrEqual(9);
    const rows = await tdb.admin
      .selectFrom('recoveryCodes')
      .select(['codeHash', 'keyed', 'usedAt'])
      .where('userId', '=', user.userId)
      .execute();
    expect(rows.every((r) => r.keyed)).toBe(true);
    expect(rows.map((r) => r.codeHash)).not.toContain(legacyRecoveryCodeDigest(recoveryCodes[1]!));
    // Converted codes keep working, and the spent one stays spent.
    expect(await signInWith(recoveryCodes[1]!)).toBe('signed_in');
    expect(
      await code(
        (await h.as(null, ip)).auth.signInTwoFactor({
          challenge: await passwordStep(user.email, ip),
          code: recoveryCodes[0]!,
        }),
      ),
    ).toBe('UNAUTHORIZED');
    // Running it again finds nothing left to convert.
    expect(await upgradeRecoveryCodes(tdb.app, h.secretBox)).toBe(0);
  });

  it('changing two-factor needs a recent sign-in; re-authentication gives one', async () => {
    const user = await h.signUp('tfreauth');
    advance(11 * 60_000);
    expect(await message((await h.as(user.cookie)).account.beginTwoFactor())).toMatch(/confirm your password/);
    expect(await code((await h.as(user.cookie)).account.reauthenticate({ password: 'wrong password!' }))).toBe(
      'BAD_REQUEST',
    );
    await (await h.as(user.cookie)).account.reauthenticate({ password: TEST_PASSWORD });
    const { secret } = await enableTwoFactor(user.cookie);
    advance(11 * 60_000);
    expect(await code((await h.as(user.cookie)).account.disableTwoFactor())).toBe('FORBIDDEN');
    // With two-factor on, re-authentication needs the code as well.
    expect(await code((await h.as(user.cookie)).account.reauthenticate({ password: TEST_PASSWORD }))).toBe(
      'BAD_REQUEST',
    );
    advance(30_000);
    await (await h.as(user.cookie)).account.reauthenticate({ password: TEST_PASSWORD, code: totpCode(secret, now()) });
    expect(await (await h.as(user.cookie)).account.disableTwoFactor()).toEqual({ enabled: false });
    expect((await (await h.as()).auth.signIn({ email: user.email, password: TEST_PASSWORD })).status).toBe('signed_in');
  });
});

describe('password change and reset', () => {
  it('change asks the current password and ends the other sessions, not this one', async () => {
    const user = await h.signUp('pw');
    const other = await h.signIn(user.email);
    const before = await snapshot(tdb);
    expect(
      await code(
        (await h.as(user.cookie)).account.changePassword({
          currentPassword: 'not my password',
          newPassword: 'a brand new passphrase',
        }),
      ),
    ).toBe('BAD_REQUEST');
    expect((await snapshot(tdb)).users).toBe(before.users);
    await (
      await h.as(user.cookie)
    ).account.changePassword({ currentPassword: TEST_PASSWORD, newPassword: 'a brand new passphrase' });
    expect(await code((await h.as(other)).auth.me())).toBe('UNAUTHORIZED');
    expect(await code((await h.as(user.cookie)).auth.me())).toBe('OK');
    expect((await h.lastMail(user.email, 'password_changed'))?.textBody).toMatch(/changed/);
    expect((await (await h.as()).auth.signIn({ email: user.email, password: 'a brand new passphrase' })).status).toBe(
      'signed_in',
    );
  });

  it('reset: the same answer for unknown emails, a link that works once within 30 minutes, all sessions ended', async () => {
    const user = await h.signUp('reset');
    const unknown = await (
      await h.as(null, '192.0.2.50')
    ).auth.requestPasswordReset({ email: 'nobody-here@example.com' });
    const known = await (await h.as(null, '192.0.2.50')).auth.requestPasswordReset({ email: user.email });
    expect(unknown).toEqual(known);
    expect(await h.lastMail('nobody-here@example.com')).toBeUndefined();
    const token = await h.tokenFromMail(user.email, 'password_reset', '/reset-password');
    expect(await tdb.admin.selectFrom('passwordResetTokens').select('id').where('id', '=', token).execute()).toEqual(
      [],
    );

    expect(await (await h.as()).auth.resetPassword({ token, password: 'reset passphrase one' })).toEqual({
      status: 'password_reset',
    });
    expect(await code((await h.as(user.cookie)).auth.me())).toBe('UNAUTHORIZED');
    // Used twice: refused, and the password stays the first reset's.
    expect(await message((await h.as()).auth.resetPassword({ token, password: 'reset passphrase two' }))).toMatch(
      /not valid any more/,
    );
    expect((await (await h.as()).auth.signIn({ email: user.email, password: 'reset passphrase one' })).status).toBe(
      'signed_in',
    );

    await (await h.as(null, '192.0.2.51')).auth.requestPasswordReset({ email: user.email });
    const late = await h.tokenFromMail(user.email, 'password_reset', '/reset-password');
    advance(31 * 60_000);
    expect(await code((await h.as()).auth.resetPassword({ token: late, password: 'reset passphrase three' }))).toBe(
      'NOT_FOUND',
    );
  });

  it('a reset withdraws every other reset link of the user, and so does a password change (finding 17)', async () => {
    const user = await h.signUp('resetmany');
    const resetLink = async (ip: string) => {
      await (await h.as(null, ip)).auth.requestPasswordReset({ email: user.email });
      return h.tokenFromMail(user.email, 'password_reset', '/reset-password');
    };
    const first = await resetLink('192.0.2.70');
    const second = await resetLink('192.0.2.71');
    await (await h.as()).auth.resetPassword({ token: second, password: 'second link passphrase' });
    expect(
      await message((await h.as()).auth.resetPassword({ token: first, password: 'first link passphrase' })),
    ).toMatch(/not valid any more/);
    expect((await (await h.as()).auth.signIn({ email: user.email, password: 'second link passphrase' })).status).toBe(
      'signed_in',
    );

    // A link asked for before a password change dies with the old password.
    const before = await resetLink('192.0.2.72');
    const signedIn = await h.as();
    await signedIn.auth.signIn({ email: user.email, password: 'second link passphrase' });
    await (
      await h.as(h.cookieFrom(signedIn.resHeaders))
    ).account.changePassword({ currentPassword: 'second link passphrase', newPassword: 'changed by the owner' });
    expect(await code((await h.as()).auth.resetPassword({ token: before, password: 'attacker from old link' }))).toBe(
      'NOT_FOUND',
    );
    expect((await (await h.as()).auth.signIn({ email: user.email, password: 'changed by the owner' })).status).toBe(
      'signed_in',
    );
  });

  it('two reset links used at the same moment: exactly one sets the password', async () => {
    const user = await h.signUp('resetrace');
    const links: string[] = [];
    for (const ip of ['192.0.2.80', '192.0.2.81']) {
      await (await h.as(null, ip)).auth.requestPasswordReset({ email: user.email });
      links.push(await h.tokenFromMail(user.email, 'password_reset', '/reset-password'));
    }
    const outcomes = await Promise.all(
      links.map(async (token, i) =>
        code((await h.as()).auth.resetPassword({ token, password: `race winner ${i} pass` })),
      ),
    );
    expect([...outcomes].sort()).toEqual(['NOT_FOUND', 'OK']);
    const winner = outcomes.indexOf('OK');
    expect(
      (await (await h.as()).auth.signIn({ email: user.email, password: `race winner ${winner} pass` })).status,
    ).toBe('signed_in');
  });

  it('a reset never bypasses two-factor', async () => {
    const user = await h.signUp('resettf');
    await enableTwoFactor(user.cookie);
    await (await h.as(null, '192.0.2.60')).auth.requestPasswordReset({ email: user.email });
    const token = await h.tokenFromMail(user.email, 'password_reset', '/reset-password');
    const caller = await h.as();
    await caller.auth.resetPassword({ token, password: 'after reset passphrase' });
    expect(
      caller.resHeaders.getSetCookie().some((c) => c.startsWith(`${h.auth.cookieName}=`) && !/Max-Age=0/.test(c)),
    ).toBe(false);
    expect((await (await h.as()).auth.signIn({ email: user.email, password: 'after reset passphrase' })).status).toBe(
      'two_factor_required',
    );
  });
});

describe('own sessions', () => {
  it("lists device, IP, created and last seen; revokes one or all others; never another user's", async () => {
    const user = await h.signUp('sess');
    const phone = await (async () => {
      const c = await h.as(null, '198.51.100.9', {
        'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/605.1.15',
      });
      await c.auth.signIn({ email: user.email, password: TEST_PASSWORD });
      return h.cookieFrom(c.resHeaders);
    })();
    expect((await h.lastMail(user.email, 'new_sign_in'))?.textBody).toMatch(/198\.51\.100\.9/);
    const third = await h.signIn(user.email);
    const view = await (await h.as(user.cookie)).account.get();
    expect(view.sessions).toHaveLength(3);
    expect(view.sessions.filter((s) => s.current)).toHaveLength(1);
    const phoneSession = view.sessions.find((s) => s.ip === '198.51.100.9')!;
    expect(phoneSession.device).toBe('Safari on iOS');
    expect(phoneSession.createdAt).toBeInstanceOf(Date);

    const stranger = await h.signUp('sess-stranger');
    expect(await code((await h.as(stranger.cookie)).account.revokeSession({ sessionId: phoneSession.id }))).toBe(
      'NOT_FOUND',
    );
    expect(await code((await h.as(phone)).auth.me())).toBe('OK');

    await (await h.as(user.cookie)).account.revokeSession({ sessionId: phoneSession.id });
    expect(await code((await h.as(phone)).auth.me())).toBe('UNAUTHORIZED');
    expect(await (await h.as(user.cookie)).account.revokeOtherSessions()).toEqual({ revoked: 1 });
    expect(await code((await h.as(third)).auth.me())).toBe('UNAUTHORIZED');
    expect(await code((await h.as(user.cookie)).auth.me())).toBe('OK');
  });
});

describe('sign-in throttling', () => {
  it('after the allowed failures the account is throttled from that IP with a retry time, but not from another IP; the cooldown ends it', async () => {
    const user = await h.signUp('thr');
    const attacker = '192.0.2.66';
    for (let i = 0; i < 3; i++)
      expect(
        await code((await h.as(null, attacker)).auth.signIn({ email: user.email, password: 'guess guess guess' })),
      ).toBe('UNAUTHORIZED');
    const blocked = await (
      await h.as(null, attacker)
    ).auth
      .signIn({ email: user.email, password: TEST_PASSWORD })
      .catch((e: TRPCError) => e);
    expect((blocked as TRPCError).code).toBe('TOO_MANY_REQUESTS');
    expect((blocked as TRPCError).message).toMatch(/Try again in \d+ (minutes?|seconds)/);
    expect((blocked as { retryAfterSeconds?: number }).retryAfterSeconds).toBeGreaterThan(0);
    // An unknown email throttles the same way (no enumeration through the throttle).
    for (let i = 0; i < 3; i++)
      await code(
        (await h.as(null, attacker)).auth.signIn({ email: 'ghost@example.com', password: 'guess guess guess' }),
      );
    expect(await code((await h.as(null, attacker)).auth.signIn({ email: 'ghost@example.com', password: 'x' }))).toBe(
      'TOO_MANY_REQUESTS',
    );
    // The real user, from their own address, is not locked out.
    expect(
      (await (await h.as(null, '203.0.113.99')).auth.signIn({ email: user.email, password: TEST_PASSWORD })).status,
    ).toBe('signed_in');
    const stored = await tdb.admin.selectFrom('signInThrottle').select('key').execute();
    expect(stored.map((r) => r.key).join()).not.toContain(user.email);
    // Cooldown over (the store's expiry passes): the attacker's address may try again.
    await tdb.admin
      .updateTable('signInThrottle')
      .set({ expire: Date.now() - 1 })
      .execute();
    expect(
      (await (await h.as(null, attacker)).auth.signIn({ email: user.email, password: TEST_PASSWORD })).status,
    ).toBe('signed_in');
    const events = await tdb.admin
      .selectFrom('platformAuditOutbox')
      .select('action')
      .where('action', '=', 'user.sign_in_throttled')
      .execute();
    expect(events.length).toBeGreaterThanOrEqual(2);
  });
});

describe('organization security policy', () => {
  it('require two-factor sends members without it to set it up; with it they get in', async () => {
    const owner = await h.signUp('pol');
    const viewer = await h.addMember(owner.slug, 'viewer');
    await (
      await h.as(owner.cookie)
    ).security.updatePolicy({
      slug: owner.slug,
      requireTwoFactor: true,
      sessionIdleMinutes: null,
      sessionAbsoluteHours: null,
    });
    const refused = await (
      await h.as(viewer.cookie)
    ).org
      .get({ slug: owner.slug })
      .catch((e: TRPCError & { appCode?: string }) => e);
    expect((refused as TRPCError).code).toBe('FORBIDDEN');
    expect((refused as { appCode?: string }).appCode).toBe('TWO_FACTOR_REQUIRED');
    // Account pages stay open so the member can set it up.
    await enableTwoFactor(viewer.cookie);
    expect(await code((await h.as(viewer.cookie)).org.get({ slug: owner.slug }))).toBe('OK');
    expect(
      await code(
        (await h.as(viewer.cookie)).security.updatePolicy({
          slug: owner.slug,
          requireTwoFactor: false,
          sessionIdleMinutes: null,
          sessionAbsoluteHours: null,
        }),
      ),
    ).toBe('FORBIDDEN');
  });

  it('stricter idle and absolute limits end sessions in the tenant path', async () => {
    const owner = await h.signUp('idle');
    await (
      await h.as(owner.cookie)
    ).security.updatePolicy({
      slug: owner.slug,
      requireTwoFactor: false,
      sessionIdleMinutes: 15,
      sessionAbsoluteHours: 1,
    });
    advance(16 * 60_000);
    expect(await message((await h.as(owner.cookie)).org.get({ slug: owner.slug }))).toMatch(
      /15 minutes without activity/,
    );
    expect(await code((await h.as(owner.cookie)).auth.me())).toBe('UNAUTHORIZED');

    const member = await h.addMember(owner.slug, 'editor');
    for (let i = 0; i < 7; i++) {
      advance(10 * 60_000);
      expect(
        await code((await h.as(member.cookie)).org.get({ slug: owner.slug })),
        `after ${(i + 1) * 10} minutes`,
      ).toBe(i < 6 ? 'OK' : 'UNAUTHORIZED');
    }
  });
});
