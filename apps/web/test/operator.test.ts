import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql, withTenant } from '@mfiq/db';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, PASSWORD, postForm, signUpOverHttp, startWeb, WEB_DIR, type RunningWeb } from './harness.ts';

/**
 * The incident-response commands, run as an operator would (the real `mfiq` binary against the
 * owner connection), and their effect on the very next request to the running web app.
 */
let tdb: TestDatabase;
let web: RunningWeb;

beforeAll(async () => {
  await ensureBuilt();
  tdb = await createTestDatabase();
  web = await startWeb({ APP_DATABASE_URL: tdb.urls.app });
}, 240_000);

afterAll(async () => {
  await web?.stop();
  await tdb?.drop();
});

const MFIQ = path.resolve(WEB_DIR, '../worker/bin/mfiq.mjs');

async function mfiq(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [MFIQ, ...args], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '/tmp',
        DATABASE_URL: tdb.urls.owner,
        MFIQ_OPERATOR: 'alice',
        NODE_ENV: 'production',
      },
      timeout: 60_000,
      encoding: 'utf8',
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const get = (p: string, cookie: string) => fetch(`${web.url}${p}`, { redirect: 'manual', headers: { cookie } });

async function platformEvents(action: string) {
  return tdb.owner
    .selectFrom('platformAuditOutbox')
    .selectAll()
    .where('action', '=', action)
    .orderBy('occurredAt')
    .execute();
}

async function tenantEvents(slug: string, action: string) {
  const org = await tdb.owner
    .selectFrom('organizations')
    .select('tenantId')
    .where('slug', '=', slug)
    .executeTakeFirstOrThrow();
  return withTenant(tdb.owner, { tenantId: org.tenantId, evenIfLocked: true }, (trx) =>
    trx
      .selectFrom('auditOutbox')
      .selectAll()
      .where('tenantId', '=', org.tenantId)
      .where('action', '=', action)
      .orderBy('occurredAt')
      .execute(),
  );
}

async function addMember(slug: string, role: 'admin' | 'editor' | 'viewer') {
  const user = await signUpOverHttp(web.url, role, tdb);
  const org = await tdb.owner
    .selectFrom('organizations')
    .select('tenantId')
    .where('slug', '=', slug)
    .executeTakeFirstOrThrow();
  const u = await tdb.owner.selectFrom('users').select('id').where('email', '=', user.email).executeTakeFirstOrThrow();
  await withTenant(tdb.owner, { tenantId: org.tenantId }, (trx) =>
    trx.insertInto('memberships').values({ tenantId: org.tenantId, userId: u.id, role }).execute(),
  );
  return user;
}

const operatorEvent = { actorType: 'system', actorDisplay: 'operator:alice', userAgent: 'mfiq-cli' };

describe('mfiq sessions revoke', () => {
  it('--user: the revoked session is refused at the next request; the action is audited', async () => {
    const user = await signUpOverHttp(web.url, 'revoke-one', tdb);
    const bystander = await signUpOverHttp(web.url, 'bystander', tdb);
    expect((await get(`/orgs/${user.slug}`, user.cookie)).status).toBe(200);
    const run = await mfiq('sessions', 'revoke', '--user', user.email);
    expect(run).toMatchObject({ code: 0 });
    expect(run.stdout).toContain('Revoked 1 session(s)');
    const next = await get(`/orgs/${user.slug}`, user.cookie);
    expect(next.status).toBe(302);
    expect(next.headers.get('location')).toMatch(/^\/login/);
    expect((await get(`/orgs/${bystander.slug}`, bystander.cookie)).status).toBe(200);
    const events = (await platformEvents('session.revoked')).filter((e) => e.targetDisplay === user.email);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ ...operatorEvent, targetType: 'user', after: { sessions: 1 } });
  });

  it("--org: every member's session ends, other organizations are untouched; audited in the organization's trail", async () => {
    const owner = await signUpOverHttp(web.url, 'revoke-org', tdb);
    const editor = await addMember(owner.slug, 'editor');
    const other = await signUpOverHttp(web.url, 'revoke-other', tdb);
    expect(await mfiq('sessions', 'revoke', '--org', owner.slug)).toMatchObject({ code: 0 });
    expect((await get(`/orgs/${owner.slug}`, owner.cookie)).status).toBe(302);
    expect((await get(`/orgs/${owner.slug}`, editor.cookie)).status).toBe(302);
    expect((await get(`/orgs/${other.slug}`, other.cookie)).status).toBe(200);
    const events = await tenantEvents(owner.slug, 'session.revoked');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ ...operatorEvent, targetType: 'organization', after: { members: 2 } });
  });

  it('--all needs --yes, then signs everyone out', async () => {
    const user = await signUpOverHttp(web.url, 'revoke-all', tdb);
    const refused = await mfiq('sessions', 'revoke', '--all');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--yes');
    expect((await get(`/orgs/${user.slug}`, user.cookie)).status).toBe(200);
    expect(await mfiq('sessions', 'revoke', '--all', '--yes')).toMatchObject({ code: 0 });
    expect((await get(`/orgs/${user.slug}`, user.cookie)).status).toBe(302);
    const count = await sql<{ n: number }>`select count(*)::int as n from sessions`.execute(tdb.owner);
    expect(count.rows[0]?.n).toBe(0);
    expect((await platformEvents('session.revoked')).filter((e) => e.targetId === 'all')).toHaveLength(1);
  });
});

describe('mfiq user disable / enable', () => {
  it('a disabled user loses their session and cannot sign in; enabled again, they can', async () => {
    const user = await signUpOverHttp(web.url, 'disable', tdb);
    expect(await mfiq('user', 'disable', '--email', user.email, '--reason', 'phished')).toMatchObject({ code: 0 });
    expect((await get(`/orgs/${user.slug}`, user.cookie)).status).toBe(302);
    const signIn = await postForm(web.url, '/login', { email: user.email, password: PASSWORD });
    expect(signIn.status).toBe(400);
    expect(await signIn.text()).toContain('Email or password is incorrect.');
    expect(signIn.headers.getSetCookie()).toEqual([]);
    const disabled = (await platformEvents('user.disabled')).filter((e) => e.targetDisplay === user.email);
    expect(disabled).toHaveLength(1);
    expect(disabled[0]).toMatchObject({
      ...operatorEvent,
      after: { disabled: true, reason: 'phished', sessionsEnded: 1 },
    });

    expect(await mfiq('user', 'enable', '--email', user.email)).toMatchObject({ code: 0 });
    const again = await postForm(web.url, '/login', { email: user.email, password: PASSWORD });
    expect(again.status).toBe(302);
    expect((await platformEvents('user.enabled')).filter((e) => e.targetDisplay === user.email)).toHaveLength(1);
  });
});

describe('mfiq org lock / unlock', () => {
  it('a locked organization refuses its pages and API to every member with the lock message; others are unaffected; unlock restores it', async () => {
    const owner = await signUpOverHttp(web.url, 'lock', tdb);
    const admin = await addMember(owner.slug, 'admin');
    const other = await signUpOverHttp(web.url, 'lock-other', tdb);
    expect(await mfiq('org', 'lock', '--org', owner.slug)).toMatchObject({ code: 2 }); // --reason is required
    expect(await mfiq('org', 'lock', '--org', owner.slug, '--reason', 'suspected compromise')).toMatchObject({
      code: 0,
    });
    for (const who of [owner, admin]) {
      const page = await get(`/orgs/${owner.slug}`, who.cookie);
      expect(page.status).toBe(403);
      expect(await page.text()).toContain('This organization is locked by the service operators');
      const api = await get(
        `/api/trpc/org.get?input=${encodeURIComponent(JSON.stringify({ json: { slug: owner.slug } }))}`,
        who.cookie,
      );
      expect(api.status).toBe(403);
      const save = await fetch(`${web.url}/orgs/${owner.slug}/settings`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie: who.cookie, origin: web.url, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ name: 'During lock', timezone: 'UTC', weekStart: '1' }),
      });
      expect(save.status).toBe(403);
    }
    // Members stay signed in (the lock is not a sign-out) and other organizations work.
    expect((await get('/api/trpc/org.list', owner.cookie)).status).toBe(200);
    expect((await get(`/orgs/${other.slug}`, other.cookie)).status).toBe(200);
    const name = await tdb.owner
      .selectFrom('organizations')
      .select('name')
      .where('slug', '=', owner.slug)
      .executeTakeFirstOrThrow();
    expect(name.name).not.toBe('During lock');
    const locked = await tenantEvents(owner.slug, 'organization.locked');
    expect(locked).toHaveLength(1);
    expect(locked[0]).toMatchObject({ ...operatorEvent, after: { locked: true, reason: 'suspected compromise' } });

    expect(await mfiq('org', 'unlock', '--org', owner.slug)).toMatchObject({ code: 0 });
    expect((await get(`/orgs/${owner.slug}`, owner.cookie)).status).toBe(200);
    expect(await tenantEvents(owner.slug, 'organization.unlocked')).toHaveLength(1);
  });
});

describe('investigation', () => {
  it("audit export writes the organization's events (and only them) as NDJSON, and records the export", async () => {
    const owner = await signUpOverHttp(web.url, 'export', tdb);
    const other = await signUpOverHttp(web.url, 'export-other', tdb);
    const run = await mfiq('audit', 'export', '--org', owner.slug);
    expect(run.code).toBe(0);
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const org = await tdb.owner
      .selectFrom('organizations')
      .select('tenantId')
      .where('slug', '=', owner.slug)
      .executeTakeFirstOrThrow();
    const otherOrg = await tdb.owner
      .selectFrom('organizations')
      .select('tenantId')
      .where('slug', '=', other.slug)
      .executeTakeFirstOrThrow();
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.map((l) => l.action)).toEqual(expect.arrayContaining(['organization.created', 'member.added']));
    expect(new Set(lines.map((l) => l.tenantId))).toEqual(new Set([org.tenantId]));
    expect(lines.some((l) => l.tenantId === otherOrg.tenantId)).toBe(false);
    const exported = await tenantEvents(owner.slug, 'audit.exported');
    expect(exported).toHaveLength(1);
    expect(exported[0]).toMatchObject({ ...operatorEvent, after: { outbox: lines.length } });
  });

  it('security events lists failed sign-ins by IP and permission denials, and records the listing', async () => {
    const owner = await signUpOverHttp(web.url, 'secev', tdb);
    const viewer = await addMember(owner.slug, 'viewer');
    expect((await postForm(web.url, '/login', { email: owner.email, password: 'wrong password here' })).status).toBe(
      400,
    );
    const denied = await fetch(`${web.url}/orgs/${owner.slug}/settings`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: viewer.cookie, origin: web.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ name: 'Nope', timezone: 'UTC', weekStart: '1' }),
    });
    expect(denied.status).toBe(403);
    const run = await mfiq('security', 'events', '--since', '1h', '--json');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as {
      failedSignIns: { ip: string; attempts: number }[];
      permissionDenials: { org: string; actor: string; procedure: string }[];
    };
    expect(report.failedSignIns.find((r) => r.ip === '127.0.0.1')?.attempts).toBeGreaterThanOrEqual(1);
    expect(report.permissionDenials).toContainEqual(
      expect.objectContaining({ org: owner.slug, actor: viewer.email, procedure: 'org.update' }),
    );
    expect((await platformEvents('security_events.listed')).at(-1)).toMatchObject({
      ...operatorEvent,
      after: { since: '1h' },
    });
    expect(await mfiq('security', 'events', '--since', 'yesterday')).toMatchObject({ code: 2 });
  });
});
