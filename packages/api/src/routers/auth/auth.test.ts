import { TRPCError } from '@trpc/server';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, snapshot, TEST_PASSWORD, type Harness } from '../../testing/harness.ts';

let tdb: TestDatabase;
let h: Harness;
beforeAll(async () => {
  tdb = await createTestDatabase();
  h = createHarness(tdb);
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

describe('the journey through the procedures', () => {
  it('sign up -> me -> organization -> settings -> sign out -> sign in', async () => {
    expect(
      await (
        await h.as()
      ).auth.signUp({
        email: 'Journey@Example.com',
        displayName: 'Jo Urney',
        organizationName: 'Journey Widgets GmbH',
      }),
    ).toEqual({ status: 'check_email', email: 'Journey@Example.com' });
    const anon = await h.as();
    const token = await h.tokenFromMail('Journey@Example.com', 'signup_confirm', '/signup/confirm');
    expect(await anon.auth.signUpRequest({ token })).toEqual({
      email: 'Journey@Example.com',
      displayName: 'Jo Urney',
      organizationName: 'Journey Widgets GmbH',
    });
    const { user, organization } = await anon.auth.completeSignUp({
      token,
      password: TEST_PASSWORD,
      displayName: 'Jo Urney',
      organizationName: 'Journey Widgets GmbH',
    });
    expect(organization.slug).toBe('journey-widgets-gmbh');
    const cookie = h.cookieFrom(anon.resHeaders);

    const me = await (await h.as(cookie)).auth.me();
    expect(me.user).toEqual({ id: user.id, email: 'Journey@Example.com', displayName: 'Jo Urney' });

    const signedIn = await h.as(cookie);
    const org = await signedIn.org.get({ slug: organization.slug });
    expect(org.role).toBe('owner');
    expect(org.permissions).toContain('org:update');
    expect(await signedIn.org.list()).toEqual([
      { slug: 'journey-widgets-gmbh', name: 'Journey Widgets GmbH', role: 'owner' },
    ]);

    const updated = await signedIn.org.update({
      slug: organization.slug,
      name: 'Journey Widgets',
      timezone: 'Europe/Berlin',
      weekStart: 0,
    });
    expect(updated).toEqual({
      slug: 'journey-widgets-gmbh',
      name: 'Journey Widgets',
      timezone: 'Europe/Berlin',
      weekStart: 0,
    });
    expect((await (await h.as(cookie)).org.get({ slug: organization.slug })).organization.name).toBe('Journey Widgets');

    const out = await h.as(cookie);
    expect(await out.auth.signOut()).toEqual({ signedOut: true });
    expect(out.resHeaders.getSetCookie().some((c) => /Max-Age=0|Expires=Thu, 01 Jan 1970/i.test(c))).toBe(true);
    // The old cookie is dead server-side, whether or not the browser dropped it.
    expect(await code((await h.as(cookie)).auth.me())).toBe('UNAUTHORIZED');
    expect(await code((await h.as(cookie)).org.get({ slug: organization.slug }))).toBe('UNAUTHORIZED');

    const again = await h.as();
    expect((await again.auth.signIn({ email: 'journey@example.com', password: TEST_PASSWORD })).status).toBe(
      'signed_in',
    );
    const cookie2 = h.cookieFrom(again.resHeaders);
    expect(cookie2).not.toBe(cookie);
    expect((await (await h.as(cookie2)).auth.me()).user.id).toBe(user.id);
  });
});

describe('sign in', () => {
  it('gives one generic answer for an unknown email, a wrong password and a disabled account', async () => {
    const { email, userId } = await h.signUp('gen');
    const messages: string[] = [];
    for (const attempt of [
      { email: 'nobody@example.com', password: TEST_PASSWORD },
      { email, password: 'wrong password!' },
    ]) {
      const err = await (await h.as()).auth.signIn(attempt).catch((e: TRPCError) => e);
      expect((err as TRPCError).code).toBe('UNAUTHORIZED');
      messages.push((err as TRPCError).message);
    }
    await tdb.owner.updateTable('users').set({ disabledAt: new Date() }).where('id', '=', userId).execute();
    const err = await (await h.as()).auth.signIn({ email, password: TEST_PASSWORD }).catch((e: TRPCError) => e);
    messages.push((err as TRPCError).message);
    expect(new Set(messages).size).toBe(1);
  });

  it('starts a new session and ends the one the request carried (no fixation)', async () => {
    const { email, cookie } = await h.signUp('fix');
    const caller = await h.as(cookie);
    await caller.auth.signIn({ email, password: TEST_PASSWORD });
    const fresh = h.cookieFrom(caller.resHeaders);
    expect(fresh).not.toBe(cookie);
    expect(await code((await h.as(cookie)).auth.me())).toBe('UNAUTHORIZED');
    expect(await code((await h.as(fresh)).auth.me())).toBe('OK');
  });

  it('records successful and failed sign-ins as security events', async () => {
    const { email } = await h.signUp('events');
    await (await h.as()).auth.signIn({ email, password: TEST_PASSWORD });
    await code((await h.as()).auth.signIn({ email, password: 'not the password' }));
    const events = await tdb.admin
      .selectFrom('platformAuditOutbox')
      .select(['action', 'outcome', 'actorDisplay', 'after', 'ip'])
      .where('actorDisplay', '=', email)
      .orderBy('occurredAt')
      .execute();
    expect(events.map((e) => `${e.action}:${e.outcome}`)).toEqual([
      'user.signed_up:success',
      'user.signed_in:success',
      'user.sign_in_failed:failure',
    ]);
    expect(events[0]!.ip).toBe('203.0.113.7');
    expect(JSON.stringify(events)).not.toContain('not the password');
  });
});

describe('sign up', () => {
  it('answers the same for a taken email (any case), creates nothing, and mails the existing account instead', async () => {
    const first = await h.signUp('dup');
    const before = await snapshot(tdb);
    const answer = await (
      await h.as()
    ).auth.signUp({
      email: first.email.toUpperCase(),
      displayName: 'X',
      organizationName: 'Other',
    });
    const fresh = await (
      await h.as()
    ).auth.signUp({
      email: 'brand-new-dup@example.com',
      displayName: 'X',
      organizationName: 'Other',
    });
    expect(answer.status).toBe(fresh.status);
    expect(Object.keys(answer)).toEqual(Object.keys(fresh));
    const after = await snapshot(tdb);
    // No user, organization, membership or session appeared for the taken email.
    for (const t of ['users', 'organizations', 'memberships', 'sessions']) expect(after[t], t).toBe(before[t]);
    expect((await h.lastMail(first.email))?.kind).toBe('signup_existing_account');
    expect((await h.lastMail('brand-new-dup@example.com'))?.kind).toBe('signup_confirm');
  });

  it('refuses a taken organization address and writes nothing', async () => {
    const first = await h.signUp('slugdup');
    const before = await snapshot(tdb);
    expect(
      await code(
        (await h.as()).auth.signUp({
          email: 'new-dup@example.com',
          displayName: 'X',
          organizationName: 'Other',
          organizationSlug: first.slug,
        }),
      ),
    ).toBe('CONFLICT');
    expect(await snapshot(tdb)).toEqual(before);
  });

  it('the confirmation link works once', async () => {
    await (await h.as()).auth.signUp({ email: 'once@example.com', displayName: 'O', organizationName: 'Once' });
    const token = await h.tokenFromMail('once@example.com', 'signup_confirm', '/signup/confirm');
    const confirm = { token, password: TEST_PASSWORD, displayName: 'O', organizationName: 'Once' };
    expect(await code((await h.as()).auth.completeSignUp(confirm))).toBe('OK');
    expect(await code((await h.as()).auth.completeSignUp(confirm))).toBe('NOT_FOUND');
    expect(await code((await h.as()).auth.signUpRequest({ token }))).toBe('NOT_FOUND');
  });

  it('derives a free slug from the organization name', async () => {
    const slugOf = async (email: string, name: string) => {
      await (await h.as()).auth.signUp({ email, displayName: 'A', organizationName: name });
      const token = await h.tokenFromMail(email, 'signup_confirm', '/signup/confirm');
      const out = await (
        await h.as()
      ).auth.completeSignUp({ token, password: TEST_PASSWORD, displayName: 'A', organizationName: name });
      return out.organization.slug;
    };
    expect(await slugOf('slug-a@example.com', 'Café Zürich')).toBe('cafe-zurich');
    expect(await slugOf('slug-b@example.com', 'Cafe Zurich')).toBe('cafe-zurich-2');
  });

  it('refuses weak passwords on the confirmation page with a message for the password field, leaving the link usable', async () => {
    await (await h.as()).auth.signUp({ email: 'weak@example.com', displayName: 'W', organizationName: 'Weak' });
    const token = await h.tokenFromMail('weak@example.com', 'signup_confirm', '/signup/confirm');
    const names = { displayName: 'W', organizationName: 'Weak' };
    const err = (await (
      await h.as()
    ).auth
      .completeSignUp({ token, password: 'password', ...names })
      .catch((e: unknown) => e)) as TRPCError;
    expect(err.code).toBe('BAD_REQUEST');
    expect(err.message).toMatch(/password/i);
    expect(await code((await h.as()).auth.completeSignUp({ token, password: TEST_PASSWORD, ...names }))).toBe('OK');
  });
});

describe('account pre-hijacking (finding 18)', () => {
  const ATTACKER_PASSWORD = 'attacker chose this one 42';

  it("a sign-up with someone else's address cannot fix the password of the account they confirm", async () => {
    const victim = 'victim-prehijack@example.com';
    // The attacker signs up first with the victim's address, sending a password as the old form did:
    // sign-up takes none, so it is dropped at the edge.
    const signUpAsAttacker = (await h.as(null, '198.51.100.66')).auth.signUp as (input: object) => Promise<unknown>;
    await signUpAsAttacker({
      email: victim,
      displayName: 'Attacker',
      organizationName: 'Attacker Org',
      password: ATTACKER_PASSWORD,
    });
    const pending = await tdb.admin.selectFrom('signupRequests').selectAll().where('email', '=', victim).execute();
    expect(pending).toHaveLength(1);
    expect(JSON.stringify(pending)).not.toContain(ATTACKER_PASSWORD);

    // The mailbox owner opens the link and chooses the password there (and may fix the names).
    const token = await h.tokenFromMail(victim, 'signup_confirm', '/signup/confirm');
    const victimCaller = await h.as(null, '203.0.113.50');
    await victimCaller.auth.completeSignUp({
      token,
      password: TEST_PASSWORD,
      displayName: 'Real Owner',
      organizationName: 'Owner Org',
    });
    expect(
      await code((await h.as(null, '198.51.100.66')).auth.signIn({ email: victim, password: ATTACKER_PASSWORD })),
    ).toBe('UNAUTHORIZED');
    expect(
      (await (await h.as(null, '203.0.113.50')).auth.signIn({ email: victim, password: TEST_PASSWORD })).status,
    ).toBe('signed_in');
    const org = await (await h.as(h.cookieFrom(victimCaller.resHeaders))).org.list();
    expect(org.map((o) => o.name)).toEqual(['Owner Org']);
  });

  it('a newer sign-up for the same address withdraws the older link', async () => {
    const email = 'twice-signup@example.com';
    await (await h.as()).auth.signUp({ email, displayName: 'One', organizationName: 'First' });
    const first = await h.tokenFromMail(email, 'signup_confirm', '/signup/confirm');
    await (await h.as()).auth.signUp({ email, displayName: 'Two', organizationName: 'Second' });
    const second = await h.tokenFromMail(email, 'signup_confirm', '/signup/confirm');
    expect(second).not.toBe(first);
    const names = { displayName: 'One', organizationName: 'First' };
    expect(await code((await h.as()).auth.completeSignUp({ token: first, password: TEST_PASSWORD, ...names }))).toBe(
      'NOT_FOUND',
    );
    expect(await code((await h.as()).auth.completeSignUp({ token: second, password: TEST_PASSWORD, ...names }))).toBe(
      'OK',
    );
  });
});
