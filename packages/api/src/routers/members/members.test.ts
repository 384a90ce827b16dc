import { TRPCError } from '@trpc/server';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, snapshot, TEST_PASSWORD, type Harness } from '../../testing/harness.ts';
import { INVITATION_LIMITS } from './invitation-limits.ts';

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
const message = (p: Promise<unknown>) =>
  p.then(
    () => 'OK',
    (e: Error) => e.message,
  );

async function invite(
  owner: { cookie: string; slug: string },
  email: string,
  role: 'admin' | 'editor' | 'viewer' | 'owner' = 'editor',
) {
  await (await h.as(owner.cookie)).members.invite({ slug: owner.slug, email, role });
  return h.tokenFromMail(email, 'invitation', '/invite');
}

describe('invitations', () => {
  it('invite -> mail -> a new person signs up from the link, joins with the role, and the link is then spent', async () => {
    const owner = await h.signUp('inv');
    const token = await invite(owner, 'newbie@example.com', 'viewer');
    const stored = await tdb.admin
      .selectFrom('invitations')
      .select('tokenHash')
      .where('email', '=', 'newbie@example.com')
      .executeTakeFirstOrThrow();
    expect(stored.tokenHash).not.toContain(token.split('_')[1]);

    const shown = await (await h.as()).invitations.get({ token });
    expect(shown).toMatchObject({
      email: 'newbie@example.com',
      role: 'viewer',
      status: 'pending',
      accountExists: false,
    });

    const anon = await h.as();
    expect(await anon.invitations.signUpAndAccept({ token, displayName: 'New Bie', password: TEST_PASSWORD })).toEqual({
      slug: owner.slug,
      role: 'viewer',
    });
    const cookie = h.cookieFrom(anon.resHeaders);
    expect((await (await h.as(cookie)).org.get({ slug: owner.slug })).role).toBe('viewer');

    // Reused: refused, for the same person and for anyone else.
    expect(await message((await h.as(cookie)).invitations.accept({ token }))).toMatch(/already been used/);
    expect(
      await code((await h.as()).invitations.signUpAndAccept({ token, displayName: 'X', password: TEST_PASSWORD })),
    ).toBe('CONFLICT');
    const audit = await tdb.admin
      .selectFrom('auditOutbox')
      .select('action')
      .where('targetDisplay', '=', 'newbie@example.com')
      .execute();
    expect(audit.map((a) => a.action).sort()).toEqual(['invitation.accepted', 'member.added', 'member.invited']);
  });

  it('an existing user accepts while signed in as the invited address; someone else cannot (foreign invitation)', async () => {
    const owner = await h.signUp('inv2');
    const invitee = await h.signUp('invitee');
    const stranger = await h.signUp('stranger');
    const token = await invite(owner, invitee.email.toUpperCase(), 'editor');
    const before = await snapshot(tdb);
    expect(await code((await h.as(stranger.cookie)).invitations.accept({ token }))).toBe('FORBIDDEN');
    expect(await code((await h.as(stranger.cookie)).org.get({ slug: owner.slug }))).toBe('NOT_FOUND');
    expect(await snapshot(tdb)).toEqual(before);
    expect(await (await h.as(invitee.cookie)).invitations.accept({ token })).toEqual({
      slug: owner.slug,
      role: 'editor',
    });
    expect((await (await h.as(invitee.cookie)).org.get({ slug: owner.slug })).role).toBe('editor');
  });

  it('an expired invitation is refused; a token for another organization or a forged one is not found', async () => {
    const owner = await h.signUp('inv3');
    const other = await h.signUp('inv3other');
    const token = await invite(owner, 'late@example.com');
    await tdb.admin
      .updateTable('invitations')
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where('email', '=', 'late@example.com')
      .execute();
    expect((await (await h.as()).invitations.get({ token })).status).toBe('expired');
    expect(
      await message((await h.as()).invitations.signUpAndAccept({ token, displayName: 'L', password: TEST_PASSWORD })),
    ).toMatch(/expired/);
    // The same secret under another organization's id matches nothing there.
    const otherTenant = (
      await tdb.admin
        .selectFrom('organizations')
        .select('tenantId')
        .where('slug', '=', other.slug)
        .executeTakeFirstOrThrow()
    ).tenantId;
    const moved = `${otherTenant.replace(/-/g, '')}_${token.split('_')[1]}`;
    expect(await code((await h.as()).invitations.get({ token: moved }))).toBe('NOT_FOUND');
    // A forged token: the last character changed (to one it is not, or 1 in 32 runs it was the same token).
    const forged = `${token.slice(0, -1)}${token.endsWith('a') ? 'b' : 'a'}`;
    expect(await code((await h.as()).invitations.get({ token: forged }))).toBe('NOT_FOUND');
    expect(await tdb.admin.selectFrom('users').select('id').where('email', '=', 'late@example.com').execute()).toEqual(
      [],
    );
  });

  it('a new invitation to the same address replaces the old one; a revoked one cannot be used', async () => {
    const owner = await h.signUp('inv4');
    const first = await invite(owner, 'twice@example.com');
    const second = await invite(owner, 'twice@example.com');
    expect((await (await h.as()).invitations.get({ token: first })).status).toBe('revoked');
    const [pending] = await (await h.as(owner.cookie)).members.listInvitations({ slug: owner.slug });
    expect(pending?.email).toBe('twice@example.com');
    await (await h.as(owner.cookie)).members.revokeInvitation({ slug: owner.slug, invitationId: pending!.id });
    expect(
      await message(
        (await h.as()).invitations.signUpAndAccept({ token: second, displayName: 'T', password: TEST_PASSWORD }),
      ),
    ).toMatch(/withdrawn/);
  });

  it('an admin cannot invite an owner; inviting a current member is a conflict', async () => {
    const owner = await h.signUp('inv5');
    const admin = await h.addMember(owner.slug, 'admin');
    expect(
      await code(
        (await h.as(admin.cookie)).members.invite({ slug: owner.slug, email: 'boss@example.com', role: 'owner' }),
      ),
    ).toBe('FORBIDDEN');
    expect(
      await code((await h.as(admin.cookie)).members.invite({ slug: owner.slug, email: admin.email, role: 'viewer' })),
    ).toBe('CONFLICT');
  });
});

describe('invitation rate limits (finding 20)', () => {
  const { perInviter, perOrganization } = INVITATION_LIMITS;
  const inviteAs = async (cookie: string, slug: string, email: string) => {
    const caller = await h.as(cookie);
    const outcome = await code(caller.members.invite({ slug, email, role: 'viewer' }));
    return { outcome, retryAfter: caller.resHeaders.get('Retry-After') };
  };

  it("an inviter's invitations past the hourly budget are refused with 429 and Retry-After; revoking gives nothing back", async () => {
    const owner = await h.signUp('invlimit');
    for (let i = 0; i < perInviter.count; i++)
      expect((await inviteAs(owner.cookie, owner.slug, `limit-${i}@example.com`)).outcome).toBe('OK');
    // Revoking one does not make room: the budget counts invitations sent, not pending.
    const pending = await (await h.as(owner.cookie)).members.listInvitations({ slug: owner.slug });
    await (await h.as(owner.cookie)).members.revokeInvitation({ slug: owner.slug, invitationId: pending[0]!.id });
    const before = await snapshot(tdb);
    const refused = await h.as(owner.cookie);
    const err = (await refused.members
      .invite({ slug: owner.slug, email: 'one-too-many@example.com', role: 'viewer' })
      .catch((e: unknown) => e)) as TRPCError & { retryAfterSeconds?: number };
    expect(err.code).toBe('TOO_MANY_REQUESTS');
    expect(err.message).toMatch(/You have sent 20 invitations in the last hour.*Try again in \d+ minutes?/);
    expect(Number(refused.resHeaders.get('Retry-After'))).toBeGreaterThan(0);
    expect(err.retryAfterSeconds).toBeGreaterThan(0);
    expect(await snapshot(tdb)).toEqual(before);
    expect(await h.lastMail('one-too-many@example.com')).toBeUndefined();
    // Another admin of the same organization has a budget of their own.
    const admin = await h.addMember(owner.slug, 'admin');
    expect((await inviteAs(admin.cookie, owner.slug, 'from-the-admin@example.com')).outcome).toBe('OK');
  });

  it('concurrent invitations cannot slip past the budget together', async () => {
    const owner = await h.signUp('invrace');
    const outcomes = await Promise.all(
      Array.from({ length: perInviter.count + 10 }, (_, i) =>
        inviteAs(owner.cookie, owner.slug, `race-${i}@example.com`),
      ),
    );
    expect(outcomes.filter((o) => o.outcome === 'OK')).toHaveLength(perInviter.count);
    expect(outcomes.filter((o) => o.outcome === 'TOO_MANY_REQUESTS')).toHaveLength(10);
    const sent = await tdb.admin
      .selectFrom('emailOutbox')
      .select('id')
      .where('kind', '=', 'invitation')
      .where('toAddress', 'like', 'race-%@example.com')
      .execute();
    expect(sent).toHaveLength(perInviter.count);
  });

  it("an organization's daily budget holds across inviters; other organizations are not affected", async () => {
    const owner = await h.signUp('invorg');
    const inviters = [owner];
    while (inviters.length * perInviter.count < perOrganization.count)
      inviters.push(await h.addMember(owner.slug, 'admin'));
    let n = 0;
    for (const inviter of inviters)
      for (let i = 0; i < perInviter.count && n < perOrganization.count; i++, n++)
        expect((await inviteAs(inviter.cookie, owner.slug, `org-${n}@example.com`)).outcome).toBe('OK');
    const fresh = await h.addMember(owner.slug, 'admin');
    const err = (await (
      await h.as(fresh.cookie)
    ).members
      .invite({ slug: owner.slug, email: 'org-over@example.com', role: 'viewer' })
      .catch((e: unknown) => e)) as TRPCError;
    expect(err.code).toBe('TOO_MANY_REQUESTS');
    expect(err.message).toMatch(/This organization has sent 100 invitations in the last 24 hours/);
    const other = await h.signUp('invother');
    expect((await inviteAs(other.cookie, other.slug, 'elsewhere@example.com')).outcome).toBe('OK');
  });
});

describe('roles, removal, leaving and ownership', () => {
  it('admins manage editors, viewers and admins, but not owners', async () => {
    const owner = await h.signUp('roles');
    const admin = await h.addMember(owner.slug, 'admin');
    const editor = await h.addMember(owner.slug, 'editor');
    const asAdmin = await h.as(admin.cookie);
    const members = await asAdmin.members.list({ slug: owner.slug });
    const ownerMembership = members.find((m) => m.role === 'owner')!.membershipId;

    expect(
      await asAdmin.members.changeRole({ slug: owner.slug, membershipId: editor.membershipId, role: 'viewer' }),
    ).toMatchObject({ role: 'viewer' });
    const before = await snapshot(tdb);
    expect(await code(asAdmin.members.remove({ slug: owner.slug, membershipId: ownerMembership }))).toBe('FORBIDDEN');
    expect(
      await code(asAdmin.members.changeRole({ slug: owner.slug, membershipId: ownerMembership, role: 'viewer' })),
    ).toBe('FORBIDDEN');
    expect(
      await code(asAdmin.members.changeRole({ slug: owner.slug, membershipId: editor.membershipId, role: 'owner' })),
    ).toBe('FORBIDDEN');
    expect(await snapshot(tdb)).toEqual(before);
  });

  it('a demoted member loses the permission and a removed member the organization, at the next request', async () => {
    const owner = await h.signUp('demote');
    const admin = await h.addMember(owner.slug, 'admin');
    const settings = { slug: owner.slug, name: 'X', timezone: 'UTC', weekStart: 1 };
    expect(await code((await h.as(admin.cookie)).org.update(settings))).toBe('OK');
    await (
      await h.as(owner.cookie)
    ).members.changeRole({ slug: owner.slug, membershipId: admin.membershipId, role: 'viewer' });
    expect(await code((await h.as(admin.cookie)).org.update(settings))).toBe('FORBIDDEN');
    await (await h.as(owner.cookie)).members.remove({ slug: owner.slug, membershipId: admin.membershipId });
    expect(await code((await h.as(admin.cookie)).org.get({ slug: owner.slug }))).toBe('NOT_FOUND');
    const events = await tdb.admin
      .selectFrom('auditOutbox')
      .select(['action', 'before', 'after'])
      .where('targetDisplay', '=', admin.email)
      .where('action', 'in', ['member.role_changed', 'member.removed'])
      .orderBy('occurredAt')
      .execute();
    expect(events.map((e) => e.action)).toEqual(['member.role_changed', 'member.removed']);
    expect(events[0]).toMatchObject({ before: { role: 'admin' }, after: { role: 'viewer' } });
  });

  it('the last owner can neither leave nor be demoted; after a transfer the old owner can leave', async () => {
    const owner = await h.signUp('last');
    const editor = await h.addMember(owner.slug, 'editor');
    const asOwner = await h.as(owner.cookie);
    const me = (await asOwner.members.list({ slug: owner.slug })).find((m) => m.isYou)!;
    const before = await snapshot(tdb);
    expect(await message(asOwner.members.leave({ slug: owner.slug }))).toMatch(/last owner/);
    expect(
      await code(asOwner.members.changeRole({ slug: owner.slug, membershipId: me.membershipId, role: 'admin' })),
    ).toBe('CONFLICT');
    expect(await snapshot(tdb)).toEqual(before);

    expect(await asOwner.members.transferOwnership({ slug: owner.slug, membershipId: editor.membershipId })).toEqual({
      newOwner: editor.email,
    });
    expect((await (await h.as(owner.cookie)).org.get({ slug: owner.slug })).role).toBe('admin');
    expect((await (await h.as(editor.cookie)).org.get({ slug: owner.slug })).role).toBe('owner');
    expect(
      await code(
        (await h.as(owner.cookie)).members.transferOwnership({ slug: owner.slug, membershipId: me.membershipId }),
      ),
    ).toBe('FORBIDDEN');
    expect(await (await h.as(owner.cookie)).members.leave({ slug: owner.slug })).toEqual({ left: true });
    expect(await code((await h.as(owner.cookie)).org.get({ slug: owner.slug }))).toBe('NOT_FOUND');
  });

  it('a membership id from another organization is not found', async () => {
    const a = await h.signUp('mida');
    const b = await h.signUp('midb');
    const bMember = await h.addMember(b.slug, 'viewer');
    expect(
      await code((await h.as(a.cookie)).members.remove({ slug: a.slug, membershipId: bMember.membershipId })),
    ).toBe('NOT_FOUND');
    expect(await code((await h.as(bMember.cookie)).org.get({ slug: b.slug }))).toBe('OK');
  });
});
