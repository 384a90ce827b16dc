import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { TRPCError } from '@trpc/server';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from './root.ts';
import { can, ROLES, type ApiScope } from './permissions.ts';
import { withTenant } from '@mfiq/db';
import type { Access } from './trpc.ts';
import { generateRecoveryCodes, oneTimeTokenHash, recoveryCodeHash, sessionTokenHash, totpCode } from '@mfiq/auth';
import type { Role } from './permissions.ts';
import { invitationToken } from './routers/members/invitations.ts';
import { createHarness, TEST_PASSWORD, type Harness } from './testing/harness.ts';

/**
 * The authorization matrix, proven for every procedure the router has. Procedures are enumerated
 * from the router itself; each must declare its access (public, authed, or a tenant permission)
 * and have a sample input here. Every procedure is then called as each role of an organization, as
 * a member of another organization, signed out and with a revoked session, and each outcome must
 * equal what the permission matrix declares.
 */
interface SampleContext {
  slug: string;
  n: number;
  signInEmail: string;
  /** A fresh target / API key of the organization, for procedures that consume one. */
  freshTarget: () => Promise<string>;
  freshKey: () => Promise<string>;
  /** The caller's own email and user id (undefined when signed out or an API key). */
  email: string | undefined;
  userId: string | undefined;
  /** The API as this caller (same session the procedure is called with). */
  api: Api;
  /** A fresh dashboard of the organization, and a fresh tile on one. */
  freshDashboard: () => Promise<string>;
  freshTile: () => Promise<{ dashboardId: string; tileId: string }>;
  /** A freshly uploaded (not yet started) CSV import of the organization. */
  freshImport: () => Promise<string>;
  /** A fresh data form of the organization (one field on METRIC). */
  freshForm: () => Promise<string>;
  /** A fresh alert rule on METRIC, a firing alert of one, and a webhook channel. */
  freshRule: () => Promise<string>;
  freshEvent: () => Promise<string>;
  freshChannel: () => Promise<string>;
  /** A fresh note on METRIC, and a fresh share link of a fresh dashboard. */
  freshAnnotation: () => Promise<string>;
  freshShareLink: () => Promise<string>;
  tdb: TestDatabase;
}
type Api = Awaited<ReturnType<Harness['as']>>;
type Sample = (ctx: SampleContext) => unknown;
let fx: Fixtures;
/** The organization's data form whose link the public procedures use. */
let publicForm: { id: string; token: string; fieldId: string };
/** A share link of one of the organization's dashboards, for shares.view. */
let publicShare: { token: string };

/** A sign-up waiting for confirmation; the token of its link. */
async function pendingSignUp(email: string, n: number): Promise<string> {
  await (await h.as()).auth.signUp({ email, displayName: 'M', organizationName: `Matrix C ${n}` });
  return h.tokenFromMail(email, 'signup_confirm', '/signup/confirm');
}

/** Runs an API call as setup; a refusal (signed out, revoked) just means there is nothing to set up. */
const attempt = <T>(p: Promise<T>) => p.catch(() => null);
const METRIC = 'matrix_metric';
const SAMPLES: Record<string, Sample> = {
  'auth.signUp': ({ n }) => ({ email: `matrix-${n}@example.com`, displayName: 'M', organizationName: `Matrix ${n}` }),
  'auth.signIn': ({ signInEmail }) => ({ email: signInEmail, password: TEST_PASSWORD }),
  'auth.signOut': () => undefined,
  'auth.me': () => undefined,
  'org.list': () => undefined,
  'org.get': ({ slug }) => ({ slug }),
  'org.update': ({ slug }) => ({ slug, name: 'Matrix Org', timezone: 'UTC', weekStart: 1 }),
  'contact.submit': ({ n }) => ({
    name: 'Matrix',
    email: `contact-${n}@example.com`,
    topic: 'sales',
    message: 'A message from the matrix test.',
  }),
  'metrics.list': ({ slug }) => ({ slug, search: 'matrix' }),
  'metrics.get': ({ slug }) => ({ slug, key: METRIC }),
  'metrics.owners': ({ slug }) => ({ slug }),
  'metrics.create': ({ slug, n }) => ({ slug, key: `matrix_${n}`, name: `Matrix ${n}` }),
  'metrics.update': ({ slug }) => ({ slug, key: METRIC, name: 'Matrix metric', tags: ['matrix'] }),
  'metrics.setArchived': ({ slug }) => ({ slug, key: METRIC, archived: false }),
  'metrics.series': ({ slug }) => ({ slug, key: METRIC, grain: 'week', from: '2024-01-01', to: '2024-03-31' }),
  'metrics.periodToDate': ({ slug }) => ({ slug, key: METRIC, grain: 'month', asOf: '2024-03-15' }),
  'points.list': ({ slug }) => ({ slug, key: METRIC }),
  'points.upsert': ({ slug, n }) => ({ slug, key: METRIC, points: [{ date: '2024-01-01', value: n }] }),
  'points.delete': ({ slug }) => ({ slug, key: METRIC, ts: ['2023-01-01T00:00:00Z'] }),
  'targets.list': ({ slug }) => ({ slug, key: METRIC, asOf: '2024-03-15' }),
  'targets.create': ({ slug }) => ({ slug, key: METRIC, kind: 'recurring', grain: 'month', value: 100 }),
  'targets.update': async ({ slug, freshTarget }) => ({
    id: await freshTarget(),
    slug,
    kind: 'recurring',
    grain: 'week',
    value: 5,
  }),
  'targets.delete': async ({ slug, freshTarget }) => ({ slug, id: await freshTarget() }),
  'apiKeys.list': ({ slug }) => ({ slug }),
  'apiKeys.create': ({ slug, n }) => ({ slug, name: `Matrix ${n}`, scopes: ['metrics:read'] }),
  'apiKeys.revoke': async ({ slug, freshKey }) => ({ slug, id: await freshKey() }),
  'api.push': ({ n }) => ({ points: [{ metric: METRIC, ts: '2024-02-01T00:00:00Z', value: n }] }),
  'api.series': () => ({ key: METRIC, grain: 'month', from: '2024-01-01', to: '2024-03-31' }),
  'api.metrics': () => undefined,
  'dashboards.list': ({ slug }) => ({ slug }),
  'dashboards.get': ({ slug }) => ({ slug, range: '30d', grain: 'week' }),
  'dashboards.create': ({ slug, n }) => ({ slug, name: `Matrix ${n}` }),
  'dashboards.update': async ({ slug, freshDashboard }) => ({ slug, id: await freshDashboard(), name: 'Renamed' }),
  'dashboards.delete': async ({ slug, freshDashboard }) => ({ slug, id: await freshDashboard() }),
  'dashboards.duplicate': async ({ slug, freshDashboard }) => ({ slug, id: await freshDashboard() }),
  'dashboards.templates': ({ slug }) => ({ slug }),
  'dashboards.metricChart': ({ slug }) => ({ slug, key: METRIC, grain: 'week', from: '2024-01-01', to: '2024-03-31' }),
  'dashboards.createFromTemplate': ({ slug }) => ({ slug, template: 'growth' }),
  'dashboards.updateTile': async ({ slug, freshTile }) => ({ slug, ...(await freshTile()), title: 'Renamed tile' }),
  'annotations.list': ({ slug }) => ({ slug, metricKey: METRIC }),
  'annotations.create': ({ slug, n }) => ({ slug, metricKey: METRIC, date: '2024-01-02', body: `Matrix note ${n}` }),
  'annotations.update': async ({ slug, freshAnnotation }) => ({ slug, id: await freshAnnotation(), body: 'Edited' }),
  'annotations.delete': async ({ slug, freshAnnotation }) => ({ slug, id: await freshAnnotation() }),
  'shares.list': async ({ slug, freshDashboard }) => ({ slug, dashboardId: await freshDashboard() }),
  'shares.create': async ({ slug, freshDashboard }) => ({ slug, dashboardId: await freshDashboard(), label: 'TV' }),
  'shares.update': async ({ slug, freshShareLink }) => ({ slug, id: await freshShareLink(), label: 'Lobby TV' }),
  'shares.rotate': async ({ slug, freshShareLink }) => ({ slug, id: await freshShareLink() }),
  'shares.revoke': async ({ slug, freshShareLink }) => ({ slug, id: await freshShareLink() }),
  // Public: anyone holding the link, signed in or not.
  'shares.view': () => ({ token: publicShare.token }),
  'dashboards.addTile': async ({ slug, freshDashboard }) => ({
    slug,
    dashboardId: await freshDashboard(),
    metricKey: METRIC,
    kind: 'line',
  }),
  'dashboards.removeTile': async ({ slug, freshTile }) => ({ slug, ...(await freshTile()) }),
  'dashboards.reorderTiles': async ({ slug, freshTile }) => {
    const { dashboardId, tileId } = await freshTile();
    return { slug, dashboardId, tileIds: [tileId] };
  },
  'imports.upload': ({ slug }) => ({ slug, fileName: 'matrix.csv', file: Readable.from([Buffer.from(IMPORT_CSV)]) }),
  'imports.list': ({ slug }) => ({ slug }),
  'imports.get': async ({ slug, freshImport }) => ({ slug, id: await freshImport() }),
  'imports.preview': async ({ slug, freshImport }) => ({ slug, id: await freshImport(), mapping: IMPORT_MAPPING }),
  'imports.start': async ({ slug, freshImport }) => ({ slug, id: await freshImport(), mapping: IMPORT_MAPPING }),
  'imports.errors': async ({ slug, freshImport }) => ({ slug, id: await freshImport() }),
  'forms.list': ({ slug }) => ({ slug }),
  'forms.get': async ({ slug, freshForm }) => ({ slug, id: await freshForm() }),
  'forms.create': ({ slug, n }) => ({
    slug,
    name: `Matrix form ${n}`,
    fields: [{ metricKey: METRIC, label: 'Value' }],
  }),
  'forms.update': async ({ slug, freshForm }) => ({
    slug,
    id: await freshForm(),
    name: 'Renamed form',
    fields: [{ metricKey: METRIC, label: 'Renamed' }],
  }),
  'forms.setPaused': async ({ slug, freshForm }) => ({ slug, id: await freshForm(), paused: true }),
  'forms.rotateLink': async ({ slug, freshForm }) => ({ slug, id: await freshForm() }),
  'forms.link': ({ slug }) => ({ slug, id: publicForm.id }),
  'forms.delete': async ({ slug, freshForm }) => ({ slug, id: await freshForm() }),
  // Public: anyone holding the link, signed in or not, of any organization or none.
  'forms.publicGet': () => ({ token: publicForm.token }),
  'forms.submit': ({ n }) => ({ token: publicForm.token, values: [{ fieldId: publicForm.fieldId, value: n }] }),
  'audit.list': ({ slug }) => ({ slug, action: 'organization.updated' }),
  'audit.verify': ({ slug }) => ({ slug }),
  'audit.recordExport': ({ slug }) => ({ slug, format: 'csv' }),
  'auth.signUpRequest': async ({ n }) => ({ token: await pendingSignUp(`matrix-request-${n}@example.com`, n) }),
  'auth.completeSignUp': async ({ n }) => {
    const token = await pendingSignUp(`matrix-complete-${n}@example.com`, n);
    return { token, password: TEST_PASSWORD, displayName: 'M', organizationName: `Matrix C ${n}` };
  },
  'auth.signInTwoFactor': async () => {
    const out = await (await h.as()).auth.signIn({ email: fx.twoFactorUser.email, password: TEST_PASSWORD });
    if (out.status !== 'two_factor_required') throw new Error('fixture user should need a second factor');
    if (!fx.recoveryCodes.length) {
      // More callers than one set of codes: issue another set, as regenerating would.
      const codes = generateRecoveryCodes();
      await tdb.owner
        .insertInto('recoveryCodes')
        .values(
          codes.map((c) => ({
            userId: fx.twoFactorUser.userId,
            codeHash: recoveryCodeHash(h.secretBox, c),
            keyed: true,
          })),
        )
        .execute();
      fx.recoveryCodes = codes;
    }
    return { challenge: out.challenge, code: fx.recoveryCodes.pop()! };
  },
  'auth.requestPasswordReset': ({ n }) => ({ email: `matrix-reset-${n}@example.com` }),
  'auth.resetPassword': async ({ n }) => {
    await (await h.as(null, `192.0.2.${n % 250}`)).auth.requestPasswordReset({ email: fx.resetUser.email });
    return {
      token: await h.tokenFromMail(fx.resetUser.email, 'password_reset', '/reset-password'),
      password: TEST_PASSWORD,
    };
  },
  'account.get': () => undefined,
  'account.reauthenticate': () => ({ password: TEST_PASSWORD }),
  'account.changePassword': () => ({ currentPassword: TEST_PASSWORD, newPassword: TEST_PASSWORD }),
  'account.revokeSession': async ({ email }) => ({
    sessionId: email ? sessionTokenHash((await h.signIn(email)).split('=')[1]!) : 'f'.repeat(64),
  }),
  'account.revokeOtherSessions': () => undefined,
  'account.beginTwoFactor': () => undefined,
  'account.confirmTwoFactor': async ({ api }) => {
    const begun = await attempt(api.account.beginTwoFactor());
    return { code: begun ? totpCode(begun.secret, new Date()) : '123456' };
  },
  'account.disableTwoFactor': async ({ api }) => {
    const begun = await attempt(api.account.beginTwoFactor());
    if (begun) await api.account.confirmTwoFactor({ code: totpCode(begun.secret, new Date()) });
    return undefined;
  },
  'account.regenerateRecoveryCodes': async ({ api }) => {
    const begun = await attempt(api.account.beginTwoFactor());
    if (begun) await api.account.confirmTwoFactor({ code: totpCode(begun.secret, new Date()) });
    return undefined;
  },
  'members.list': ({ slug }) => ({ slug }),
  'members.invite': ({ slug, n }) => ({ slug, email: `matrix-invite-${n}@example.com`, role: 'viewer' }),
  'members.listInvitations': ({ slug }) => ({ slug }),
  'members.revokeInvitation': async ({ slug, n }) => ({
    slug,
    invitationId: (await fx.invitation(fx.tenantId, `matrix-revoke-${n}@example.com`)).id,
  }),
  'members.changeRole': async ({ slug }) => ({
    slug,
    membershipId: (await h.addMember(slug, 'viewer')).membershipId,
    role: 'editor',
  }),
  'members.remove': async ({ slug }) => ({ slug, membershipId: (await h.addMember(slug, 'viewer')).membershipId }),
  'members.leave': async ({ slug, userId }) => {
    // The last owner may not leave: give the organization a second owner first.
    if (userId === fx.ownerId) await h.addMember(slug, 'owner');
    return { slug };
  },
  'members.transferOwnership': async ({ slug }) => ({
    slug,
    membershipId: (await h.addMember(slug, 'viewer')).membershipId,
  }),
  'invitations.get': async ({ n }) => ({
    token: (await fx.invitation(fx.otherTenantId, `matrix-view-${n}@example.com`)).token,
  }),
  'invitations.accept': async ({ n, email }) => ({
    token: (await fx.invitation(fx.otherTenantId, email ?? `matrix-nobody-${n}@example.com`)).token,
  }),
  'invitations.signUpAndAccept': async ({ n }) => ({
    token: (await fx.invitation(fx.otherTenantId, `matrix-join-${n}@example.com`)).token,
    displayName: 'J',
    password: TEST_PASSWORD,
  }),
  'security.getPolicy': ({ slug }) => ({ slug }),
  'security.updatePolicy': ({ slug }) => ({
    slug,
    requireTwoFactor: false,
    sessionIdleMinutes: null,
    sessionAbsoluteHours: null,
  }),
  'backups.list': ({ slug }) => ({ slug }),
  'backups.start': ({ slug }) => ({ slug }),
  'backups.export': async ({ slug, tdb }) => ({ slug, backupId: await succeededBackup(tdb, slug) }),
  'alerts.list': ({ slug }) => ({ slug }),
  'alerts.get': async ({ slug, freshRule }) => ({ slug, id: await freshRule() }),
  'alerts.create': ({ slug, n }) => ({ slug, ...RULE, name: `Matrix rule ${n}` }),
  'alerts.update': async ({ slug, freshRule }) => ({ slug, id: await freshRule(), ...RULE, name: 'Renamed rule' }),
  'alerts.delete': async ({ slug, freshRule }) => ({ slug, id: await freshRule() }),
  'alerts.setPaused': async ({ slug, freshRule }) => ({ slug, id: await freshRule(), paused: true }),
  'alerts.preview': ({ slug }) => ({ slug, metricKey: METRIC, grain: 'day', condition: RULE.condition }),
  'alerts.acknowledge': async ({ slug, freshEvent }) => ({ slug, eventId: await freshEvent() }),
  'alerts.mute': async ({ slug, freshRule }) => ({ slug, ruleId: await freshRule(), until: null }),
  'alerts.unmute': async ({ slug, freshRule }) => ({ slug, ruleId: await freshRule() }),
  'alerts.channels': ({ slug }) => ({ slug }),
  'alerts.createChannel': ({ slug, n }) => ({
    slug,
    name: `Matrix hook ${n}`,
    url: 'https://hooks.example.com/matrix',
  }),
  'alerts.rotateChannelSecret': async ({ slug, freshChannel }) => ({ slug, id: await freshChannel() }),
  'alerts.setChannelDisabled': async ({ slug, freshChannel }) => ({ slug, id: await freshChannel(), disabled: true }),
  'alerts.deleteChannel': async ({ slug, freshChannel }) => ({ slug, id: await freshChannel() }),
  'notifications.unreadCounts': () => undefined,
  'notifications.list': ({ slug }) => ({ slug }),
  'notifications.markRead': ({ slug }) => ({ slug, all: true }),
  'notifications.settings': ({ slug }) => ({ slug }),
  'notifications.updateSettings': ({ slug }) => ({ slug, emailAlerts: true, digest: 'weekly' }),
  'notifications.follow': ({ slug }) => ({ slug, key: METRIC, following: true }),
};
const RULE = {
  metricKey: METRIC,
  grain: 'day',
  condition: { kind: 'threshold', op: 'above', value: 1 },
} as const;
const IMPORT_CSV = `metric,ts,value\n${METRIC},2024-01-01T00:00:00Z,1\n`;
const IMPORT_MAPPING = { metricColumn: 'metric', timestampColumn: 'ts', timestampFormat: 'iso', valueColumn: 'value' };

/**
 * Undo what a call changed about its caller, so every call starts from the same organization:
 * the role restored, two-factor off (so the next sign-in needs no code).
 */
async function restore(userId: string | undefined, role: Role | undefined) {
  if (!userId) return;
  await tdb.owner.deleteFrom('recoveryCodes').where('userId', '=', userId).execute();
  await tdb.owner.deleteFrom('userTwoFactor').where('userId', '=', userId).execute();
  if (!role) return;
  await withTenant(tdb.owner, { tenantId: fx.tenantId }, async (trx) => {
    await trx
      .insertInto('memberships')
      .values({ tenantId: fx.tenantId, userId, role })
      .onConflict((oc) => oc.columns(['tenantId', 'userId']).doUpdateSet({ role }))
      .execute();
  });
}

interface Fixtures {
  tenantId: string;
  otherTenantId: string;
  ownerId: string;
  twoFactorUser: { email: string; userId: string };
  recoveryCodes: string[];
  resetUser: { email: string };
  invitation(tenantId: string, email: string): Promise<{ id: string; token: string }>;
}

/** A finished backup of the organization (a fixture row: the export procedure authorizes and audits; the web streams). */
const backups = new Map<string, string>();
async function succeededBackup(tdb: TestDatabase, slug: string): Promise<string> {
  if (!backups.has(slug)) {
    const org = await tdb.admin
      .selectFrom('organizations')
      .select('tenantId')
      .where('slug', '=', slug)
      .executeTakeFirstOrThrow();
    const row = await tdb.admin
      .insertInto('backups')
      .values({ tenantId: org.tenantId, kind: 'scheduled', status: 'succeeded' })
      .returning('id')
      .executeTakeFirstOrThrow();
    backups.set(slug, row.id);
  }
  return backups.get(slug)!;
}

type SessionCaller = 'owner' | 'admin' | 'editor' | 'viewer' | 'other-tenant' | 'signed-out' | 'revoked';
// API keys of the organization with each scope combination, a key of another organization (all
// scopes) and a revoked key (all scopes).
const KEY_CALLERS = ['key:data:write', 'key:metrics:read', 'key:both', 'key:other-org', 'key:revoked'] as const;
type KeyCaller = (typeof KEY_CALLERS)[number];
type Caller = SessionCaller | KeyCaller;
const CALLERS: Caller[] = [...ROLES, 'other-tenant', 'signed-out', 'revoked', ...KEY_CALLERS];
type Outcome = 'allowed' | 'FORBIDDEN' | 'NOT_FOUND' | 'UNAUTHORIZED';
const KEY_SCOPES: Record<Exclude<KeyCaller, 'key:revoked'>, ApiScope[]> = {
  'key:data:write': ['data:write'],
  'key:metrics:read': ['metrics:read'],
  'key:both': ['data:write', 'metrics:read'],
  'key:other-org': ['data:write', 'metrics:read'],
};
// API procedures whose sample names one of the organization's metrics: another organization's key
// must not find it.
const NAMES_TENANT_OBJECT = new Set(['api.push', 'api.series']);
const isKey = (c: Caller): c is KeyCaller => c.startsWith('key:');

function expected(access: Access, caller: Caller, path: string): Outcome {
  if (access.kind === 'public') return 'allowed';
  if (access.kind === 'apiKey') {
    if (!isKey(caller) || caller === 'key:revoked') return 'UNAUTHORIZED';
    if (!KEY_SCOPES[caller].includes(access.scope)) return 'FORBIDDEN';
    return caller === 'key:other-org' && NAMES_TENANT_OBJECT.has(path) ? 'NOT_FOUND' : 'allowed';
  }
  if (isKey(caller) || caller === 'signed-out' || caller === 'revoked') return 'UNAUTHORIZED';
  if (access.kind === 'authed') return 'allowed';
  if (caller === 'other-tenant') return 'NOT_FOUND';
  return can(caller, access.permission) ? 'allowed' : 'FORBIDDEN';
}

function isUnknownEverywhere(result: unknown): boolean {
  const r = result as { written?: unknown; errors?: { code: string }[] } | null;
  return (
    r?.written === 0 &&
    Array.isArray(r.errors) &&
    r.errors.length > 0 &&
    r.errors.every((e) => e.code === 'unknown_metric')
  );
}

const procedures = Object.entries(
  appRouter._def.procedures as unknown as Record<string, { _def: { meta?: { access?: Access }; type: string } }>,
);

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

describe('authorization matrix', () => {
  it('every procedure declares its access and has a sample input', () => {
    const undeclared = procedures.filter(([, p]) => !p._def.meta?.access).map(([path]) => path);
    const unsampled = procedures.filter(([path]) => !SAMPLES[path]).map(([path]) => path);
    expect(undeclared, 'procedures without declared access').toEqual([]);
    expect(unsampled, 'procedures without a sample input in authorization.test.ts').toEqual([]);
  });

  it('each outcome equals the matrix, for every procedure and every kind of caller', async () => {
    const owner = await h.signUp('owner');
    const emails: Partial<Record<Caller, string>> = { owner: owner.email };
    const userIds: Partial<Record<Caller, string>> = { owner: owner.userId };
    const roles: Partial<Record<Caller, Role>> = { owner: 'owner' };
    for (const role of ['admin', 'editor', 'viewer'] as const) {
      const member = await h.addMember(owner.slug, role);
      emails[role] = member.email;
      userIds[role] = member.userId;
      roles[role] = role;
    }
    const outsider = await h.signUp('outsider');
    emails['other-tenant'] = outsider.email;
    userIds['other-tenant'] = outsider.userId;
    const revoked = await h.signUp('revoked');
    await (await h.as(revoked.cookie)).auth.signOut();
    const signInUser = await h.signUp('signin');

    // Fixtures for procedures that need a second factor, a reset link or an invitation.
    const tenantOf = async (slug: string) =>
      (
        await tdb.owner
          .selectFrom('organizations')
          .select('tenantId')
          .where('slug', '=', slug)
          .executeTakeFirstOrThrow()
      ).tenantId;
    const tfUser = await h.signUp('twofactor');
    const begun = await (await h.as(tfUser.cookie)).account.beginTwoFactor();
    const { recoveryCodes } = await (
      await h.as(tfUser.cookie)
    ).account.confirmTwoFactor({ code: totpCode(begun.secret, new Date()) });
    const inviter = await h.signUp('inviter');
    fx = {
      tenantId: await tenantOf(owner.slug),
      otherTenantId: await tenantOf(inviter.slug),
      ownerId: owner.userId,
      twoFactorUser: tfUser,
      recoveryCodes: [...recoveryCodes],
      resetUser: await h.signUp('reset'),
      async invitation(tenantId, email) {
        const token = invitationToken(tenantId);
        const row = await withTenant(tdb.owner, { tenantId }, (trx) =>
          trx
            .insertInto('invitations')
            .values({
              tenantId,
              email,
              role: 'viewer',
              tokenHash: oneTimeTokenHash(token),
              expiresAt: new Date(Date.now() + 86_400_000),
            })
            .returning('id')
            .executeTakeFirstOrThrow(),
        );
        return { id: row.id, token };
      },
    };
    const ownerApi = await h.as(owner.cookie);
    await ownerApi.metrics.create({ slug: owner.slug, key: METRIC, name: 'Matrix metric' });
    // A metric the "growth" dashboard template picks up.
    await ownerApi.metrics.create({ slug: owner.slug, key: 'signups', name: 'Signups' });
    const tokens: Partial<Record<KeyCaller, string>> = {};
    for (const c of ['key:data:write', 'key:metrics:read', 'key:both'] as const)
      tokens[c] = (await h.createKey(owner.cookie, owner.slug, KEY_SCOPES[c])).token;
    tokens['key:other-org'] = (await h.createKey(outsider.cookie, outsider.slug, KEY_SCOPES['key:other-org'])).token;
    const revokedKey = await h.createKey(owner.cookie, owner.slug, ['data:write', 'metrics:read']);
    await ownerApi.apiKeys.revoke({ slug: owner.slug, id: revokedKey.id });
    tokens['key:revoked'] = revokedKey.token;
    const org = await tdb.owner
      .selectFrom('organizations')
      .select('tenantId')
      .where('slug', '=', owner.slug)
      .executeTakeFirstOrThrow();
    const metric = await tdb.admin
      .selectFrom('metrics')
      .select('id')
      .where('tenantId', '=', org.tenantId)
      .where('key', '=', METRIC)
      .executeTakeFirstOrThrow();
    const fixture = <T>(fn: Parameters<typeof withTenant<T>>[2]) =>
      withTenant(tdb.owner, { tenantId: org.tenantId }, fn);
    const freshTarget = () =>
      fixture((trx) =>
        trx
          .insertInto('metricTargets')
          .values({ tenantId: org.tenantId, metricId: metric.id, kind: 'recurring', grain: 'month', value: 1 })
          .returning('id')
          .executeTakeFirstOrThrow(),
      ).then((r) => r.id);
    // A fresh owner session: calls before may have ended the owner's other sessions.
    const freshKey = async () => (await h.createKey(await h.signIn(owner.email), owner.slug, ['metrics:read'])).id;
    const freshImport = async () =>
      (
        await (
          await h.as(await h.signIn(owner.email))
        ).imports.upload({ slug: owner.slug, fileName: 'fresh.csv', file: Readable.from([Buffer.from(IMPORT_CSV)]) })
      ).id;
    const freshDashboard = () =>
      fixture((trx) =>
        trx
          .insertInto('dashboards')
          .values({ tenantId: org.tenantId, name: 'Matrix board' })
          .returning('id')
          .executeTakeFirstOrThrow(),
      ).then((r) => r.id);
    const freshTile = async () => {
      const dashboardId = await freshDashboard();
      const tile = await fixture((trx) =>
        trx
          .insertInto('dashboardTiles')
          .values({ tenantId: org.tenantId, dashboardId, metricId: metric.id, kind: 'number', position: 0 })
          .returning('id')
          .executeTakeFirstOrThrow(),
      );
      return { dashboardId, tileId: tile.id };
    };

    const freshForm = async () => {
      const form = await fixture((trx) =>
        trx
          .insertInto('dataForms')
          .values({ tenantId: org.tenantId, name: 'Matrix form' })
          .returning('id')
          .executeTakeFirstOrThrow(),
      );
      await fixture((trx) =>
        trx
          .insertInto('dataFormFields')
          .values({ tenantId: org.tenantId, formId: form.id, metricId: metric.id, label: 'Value', position: 0 })
          .execute(),
      );
      return form.id;
    };
    const freshAnnotation = () =>
      fixture((trx) =>
        trx
          .insertInto('annotations')
          .values({ tenantId: org.tenantId, metricId: metric.id, onDate: new Date('2024-01-03'), body: 'Fixture note' })
          .returning('id')
          .executeTakeFirstOrThrow(),
      ).then((r) => r.id);
    const freshShareLink = async () => {
      const dashboardId = await freshDashboard();
      const row = await fixture((trx) =>
        trx
          .insertInto('dashboardShareLinks')
          .values({
            tenantId: org.tenantId,
            dashboardId,
            label: 'Fixture link',
            tokenHash: randomBytes(32).toString('hex'),
            prefix: 'fixtr',
          })
          .returning('id')
          .executeTakeFirstOrThrow(),
      );
      return row.id;
    };
    publicShare = {
      token: (
        await ownerApi.shares.create({ slug: owner.slug, dashboardId: await freshDashboard(), label: 'Matrix link' })
      ).token,
    };
    let ruleCount = 0;
    const freshRule = () =>
      fixture((trx) =>
        trx
          .insertInto('alertRules')
          .values({
            tenantId: org.tenantId,
            name: `Matrix fixture rule ${(ruleCount += 1)}`,
            metricId: metric.id,
            kind: 'threshold',
            grain: 'day',
            condition: { op: 'above', value: 1 },
          })
          .returning('id')
          .executeTakeFirstOrThrow(),
      ).then((r) => r.id);
    const freshEvent = async () => {
      const ruleId = await freshRule();
      const event = await fixture((trx) =>
        trx
          .insertInto('alertEvents')
          .values({
            tenantId: org.tenantId,
            ruleId,
            occurrence: 'day:2024-01-01',
            grain: 'day',
            explanation: { summary: 'Matrix alert' },
            notified: true,
          })
          .returning('id')
          .executeTakeFirstOrThrow(),
      );
      return event.id;
    };
    let channelCount = 0;
    const freshChannel = () =>
      fixture((trx) =>
        trx
          .insertInto('alertChannels')
          .values({
            tenantId: org.tenantId,
            name: `Matrix fixture hook ${(channelCount += 1)}`,
            urlSealed: 'v1.sealed.url.fixture',
            urlDisplay: 'https://hooks.example.com/…',
            secretSealed: 'v1.sealed.secret.fixture',
            secretPrefix: 'whsec_ab',
          })
          .returning('id')
          .executeTakeFirstOrThrow(),
      ).then((r) => r.id);
    const created = await ownerApi.forms.create({
      slug: owner.slug,
      name: 'Public matrix form',
      fields: [{ metricKey: METRIC }],
    });
    publicForm = {
      ...created,
      fieldId: (await (await h.as()).forms.publicGet({ token: created.token })).fields[0]!.id,
    };

    let n = 0;
    const table: Record<string, Record<string, string>> = {};
    const mismatches: string[] = [];
    for (const [path, proc] of procedures) {
      const access = proc._def.meta!.access!;
      table[path] = {};
      for (const caller of CALLERS) {
        n += 1;
        // Every session call gets a session of its own (signed in just now), so a procedure that
        // ends sessions, changes the password or needs a recent sign-in affects only itself.
        const email = emails[caller];
        const cookie = caller === 'revoked' ? revoked.cookie : email ? await h.signIn(email) : null;
        const api = isKey(caller) ? await h.asKey(tokens[caller]!) : await h.as(cookie);
        const input = await SAMPLES[path]!({
          slug: owner.slug,
          n,
          signInEmail: signInUser.email,
          freshTarget,
          freshKey,
          freshDashboard,
          freshTile,
          freshImport,
          freshForm,
          freshRule,
          freshEvent,
          freshChannel,
          freshAnnotation,
          freshShareLink,
          tdb,
          email,
          userId: userIds[caller],
          api,
        });
        const fn = path.split('.').reduce<unknown>((obj, key) => (obj as Record<string, unknown>)[key], api) as (
          i: unknown,
        ) => Promise<unknown>;
        const outcome: string = await fn(input).then(
          // A push naming only metrics the key's organization does not have writes nothing: every
          // point comes back unknown, which is how "not found" looks for a batch.
          (r) => (isUnknownEverywhere(r) ? 'NOT_FOUND' : 'allowed'),
          (e: unknown) => (e instanceof TRPCError ? e.code : `threw ${String(e)}`),
        );
        await restore(userIds[caller], roles[caller]);
        const want = expected(access, caller, path);
        table[path]![caller] = outcome === want ? outcome : `${outcome} (want ${want})`;
        if (outcome !== want) mismatches.push(`${path} as ${caller}: got ${outcome}, want ${want}`);
      }
    }
    console.log(`authorization matrix: ${procedures.length} procedures x ${CALLERS.length} callers = ${n} calls`);
    console.table(table);
    expect(mismatches).toEqual([]);
    // A sign-in per call (argon2) for hundreds of calls: generous on a shared machine.
  }, 600_000);
});
