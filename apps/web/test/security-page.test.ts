import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { parse as parseConnectionString } from 'pg-connection-string';
import { ROLES } from '@mfiq/api';
import { sql, withTenant } from '@mfiq/db';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../app/config.server.ts';
import { ALL_CLAIMS, SECURITY_SECTIONS } from '@mfiq/evidence/claims';
import { CAPTCHA_PROVIDERS } from '../server/abuse/captcha.ts';
import { PUBLIC_FORMS, type PublicFormId } from '../server/abuse/forms.ts';

/**
 * The page that renders each protected form (typed, so a new form must be listed). A data form
 * needs a live link; its page is checked by the bot/human matrix in public-forms.test.ts.
 */
const FORM_PAGES: Record<PublicFormId, string | null> = {
  contact: '/contact',
  'sign-up': '/signup',
  'sign-in': '/login',
  'forgot-password': '/forgot-password',
  'reset-password': '/reset-password/any-link',
  'data-form': null,
};
const formPages = () => Object.values(FORM_PAGES).filter((p): p is string => p !== null);
import { REDACT_PATHS } from '../server/logging.ts';
import { BODY_LIMIT_BYTES } from '../server.ts';
import { loadCommands } from '../../worker/src/cli/main.ts';
import { ensureBuilt, PASSWORD, postForm, signUpOverHttp, startWeb, WEB_DIR, type RunningWeb } from './harness.ts';

/**
 * The security page states only what the code does. Each claim in packages/evidence/src/claims.ts
 * names the test that proves it; the claims proven here (`page(id)` there) have a check below,
 * against the running server, its configuration and the database. A claim proven here without a
 * check, or a check without its claim, fails the first test; the page's sections follow the source
 * text (shared/seed/security-page.txt).
 */
let tdb: TestDatabase;
let web: RunningWeb;

beforeAll(async () => {
  await ensureBuilt();
  tdb = await createTestDatabase();
  // Trusting this machine as the proxy lets one test ask for HTTPS the way a proxy would.
  web = await startWeb({ APP_DATABASE_URL: tdb.urls.app, TRUST_PROXY: '127.0.0.1' });
}, 240_000);

afterAll(async () => {
  await web?.stop();
  await tdb?.drop();
});

const DB = 'postgres://app:x@127.0.0.1:5432/mfiq';
const get = (p: string, headers: Record<string, string> = {}) =>
  fetch(`${web.url}${p}`, { redirect: 'manual', headers });
const tokenOf = (cookie: string) => decodeURIComponent(cookie.split('=').slice(1).join('='));
const tenantOf = async (slug: string) =>
  (await tdb.owner.selectFrom('organizations').select('tenantId').where('slug', '=', slug).executeTakeFirstOrThrow())
    .tenantId;
const outbox = async (slug: string) => {
  const tenantId = await tenantOf(slug);
  return withTenant(tdb.owner, { tenantId }, (trx) =>
    trx.selectFrom('auditOutbox').selectAll().where('tenantId', '=', tenantId).execute(),
  );
};
async function addMember(slug: string, role: 'viewer' | 'editor') {
  const member = await signUpOverHttp(web.url, role, tdb);
  const tenantId = await tenantOf(slug);
  const u = await tdb.owner
    .selectFrom('users')
    .select('id')
    .where('email', '=', member.email)
    .executeTakeFirstOrThrow();
  await withTenant(tdb.owner, { tenantId }, (trx) =>
    trx.insertInto('memberships').values({ tenantId, userId: u.id, role }).execute(),
  );
  return member;
}

const VERIFY: Record<string, () => Promise<void>> = {
  'sign-in-required': async () => {
    for (const p of ['/', '/security', '/privacy', '/subprocessors', '/contact', '/signup', '/login'])
      expect((await get(p)).status, p).toBe(200);
    const page = await get('/orgs/anything');
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toMatch(/^\/login/);
    expect((await get('/api/trpc/org.list')).status).toBe(401);
  },
  argon2id: async () => {
    const user = await signUpOverHttp(web.url, 'argon', tdb);
    const row = await tdb.owner
      .selectFrom('users')
      .select('passwordHash')
      .where('email', '=', user.email)
      .executeTakeFirstOrThrow();
    const m = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=\d+\$/.exec(row.passwordHash);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThanOrEqual(19 * 1024);
    expect(Number(m![2])).toBeGreaterThanOrEqual(2);
    expect(row.passwordHash).not.toContain(PASSWORD);
  },
  'sessions-hashed': async () => {
    const user = await signUpOverHttp(web.url, 'hashed', tdb);
    const token = tokenOf(user.cookie);
    const ids = (await tdb.owner.selectFrom('sessions').select('id').execute()).map((r) => r.id);
    expect(ids).toContain(createHash('sha256').update(token).digest('hex'));
    expect(ids).not.toContain(token);
    const dump = JSON.stringify(await sql`select * from sessions`.execute(tdb.admin));
    expect(dump).not.toContain(token);
  },
  'session-expiry': async () => {
    const config = loadConfig({ APP_DATABASE_URL: DB });
    expect(config.sessionIdleMinutes).toBe(120);
    expect(config.sessionAbsoluteHours).toBe(7 * 24);
    const user = await signUpOverHttp(web.url, 'rotate', tdb);
    const signIn = await postForm(
      web.url,
      '/login',
      { email: user.email, password: PASSWORD },
      { headers: { cookie: user.cookie } },
    );
    const fresh = signIn.headers.getSetCookie().find((c) => /mfiq_session=[^;]/.test(c));
    expect(fresh).toBeTruthy();
    expect(tokenOf(fresh!.split(';')[0]!)).not.toBe(tokenOf(user.cookie));
  },
  cookies: async () => {
    const user = await signUpOverHttp(web.url, 'cookie', tdb);
    const set = user.setCookie.find((c) => c.includes('mfiq_session='))!;
    const attrs = set.split(';').map((a) => a.trim().toLowerCase());
    expect(attrs).toEqual(expect.arrayContaining(['httponly', 'samesite=lax']));
    // This server sits behind a trusted (TLS-terminating) proxy: HTTPS cookies.
    expect(set.startsWith('__Host-mfiq_session=')).toBe(true);
    expect(attrs).toContain('secure');
  },
  roles: async () => {
    expect([...ROLES]).toEqual(['owner', 'admin', 'editor', 'viewer']);
    const source = await readFile(path.resolve(WEB_DIR, '../../packages/api/src/trpc.ts'), 'utf8');
    expect(source).toContain('can(member.role, access.permission)');
  },
  rls: async () => {
    const { rows } = await sql<{ table: string; rls: boolean; forced: boolean }>`
      select c.relname as table, c.relrowsecurity as rls, c.relforcerowsecurity as forced
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and c.relkind = 'r'
         and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)`.execute(
      tdb.admin,
    );
    expect(rows.length).toBeGreaterThanOrEqual(3);
    for (const r of rows)
      expect({ table: r.table, rls: r.rls, forced: r.forced }).toEqual({ table: r.table, rls: true, forced: true });
  },
  'app-role': async () => {
    const { rows } = await sql<{ super: boolean; bypass: boolean; owns: number }>`
      select rolsuper as super, rolbypassrls as bypass,
             (select count(*)::int from pg_class c where c.relowner = r.oid) as owns
        from pg_roles r where rolname = 'mfiq_app'`.execute(tdb.admin);
    expect(rows[0]).toEqual({ super: false, bypass: false, owns: 0 });
    const whoami = await sql<{ u: string }>`select current_user as u`.execute(tdb.app);
    expect(whoami.rows[0]!.u).toBe('mfiq_app');
  },
  'not-found': async () => {
    const a = await signUpOverHttp(web.url, 'nfa', tdb);
    const b = await signUpOverHttp(web.url, 'nfb', tdb);
    const other = await get(`/orgs/${b.slug}`, { cookie: a.cookie });
    const missing = await get('/orgs/does-not-exist', { cookie: a.cookie });
    expect(other.status).toBe(404);
    expect(missing.status).toBe(404);
  },
  'audit-trail': async () => {
    const user = await signUpOverHttp(web.url, 'audited', tdb);
    const events = await outbox(user.slug);
    expect(events.map((e) => e.action)).toEqual(expect.arrayContaining(['organization.created', 'member.added']));
    expect(
      events.every((e) => e.actorDisplay === user.email && e.ip === '127.0.0.1' && e.occurredAt instanceof Date),
    ).toBe(true);
  },
  'denials-recorded': async () => {
    const owner = await signUpOverHttp(web.url, 'denyowner', tdb);
    const viewer = await addMember(owner.slug, 'viewer');
    const res = await fetch(`${web.url}/orgs/${owner.slug}/settings`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: viewer.cookie, origin: web.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ name: 'X', timezone: 'UTC', weekStart: '1' }),
    });
    expect(res.status).toBe(403);
    expect(
      (await outbox(owner.slug)).filter((e) => e.action === 'permission.denied' && e.actorDisplay === viewer.email),
    ).toHaveLength(1);
  },
  https: async () => {
    const c = loadConfig({
      APP_DATABASE_URL: DB,
      TLS_CERT_FILE: '/c.pem',
      TLS_KEY_FILE: '/k.pem',
      TRUST_PROXY: '10.0.0.1',
    });
    expect(c.tls).toEqual({ certFile: '/c.pem', keyFile: '/k.pem' });
    expect(c.trustProxy).toBe('10.0.0.1');
    // Forwarded headers from anyone but the configured proxy are ignored (this server trusts 127.0.0.1).
    const plain = await startWeb({ APP_DATABASE_URL: tdb.urls.app });
    try {
      const res = await fetch(`${plain.url}/`, { headers: { 'x-forwarded-proto': 'https' } });
      expect(res.headers.get('strict-transport-security')).toBeNull();
    } finally {
      await plain.stop();
    }
  },
  hsts: async () => {
    const res = await get('/', { 'x-forwarded-proto': 'https' });
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d{7,}/);
  },
  'database-tls': async () => {
    const parsed = parseConnectionString(`${DB}?sslmode=require`);
    expect(parsed.ssl).toBeTruthy();
    expect((parsed.ssl as { rejectUnauthorized?: boolean }).rejectUnauthorized).not.toBe(false);
    expect(parseConnectionString(`${DB}?sslmode=verify-full`).ssl).toBeTruthy();
    // The test server has no TLS: asking for it fails instead of silently connecting in the clear.
    const client = new pg.Client({
      connectionString: `${tdb.urls.app}${tdb.urls.app.includes('?') ? '&' : '?'}sslmode=require`,
    });
    client.on('error', () => {});
    await expect(client.connect()).rejects.toThrow(/does not support SSL/i);
    await client.end().catch(() => {});
  },
  csp: async () => {
    const csp = (await get('/security')).headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]{22,}' 'strict-dynamic'/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
  },
  csrf: async () => {
    const res = await postForm(
      web.url,
      '/contact',
      { name: 'A', email: 'a@example.com', topic: 'sales', message: 'From another site entirely.' },
      { headers: { origin: 'https://evil.example' } },
    );
    expect(res.status).toBe(403);
  },
  logs: async () => {
    const user = await signUpOverHttp(web.url, 'logs', tdb);
    await get(`/orgs/${user.slug}`, { cookie: user.cookie });
    const line = () =>
      web.logs.find(
        (l) => l.msg === 'request completed' && (l.req as { url?: string } | undefined)?.url === `/orgs/${user.slug}`,
      );
    await expect.poll(() => line()?.reqId).toEqual(expect.any(String));
    expect(web.rawLogs()).not.toContain(tokenOf(user.cookie));
    expect(REDACT_PATHS).toEqual(expect.arrayContaining(['req.headers.cookie', 'req.headers.authorization']));
  },
  health: async () => {
    expect((await get('/healthz')).status).toBe(200);
    expect(await (await get('/readyz')).json()).toEqual({
      status: 'ready',
      checks: { database: 'ok', migrations: 'ok' },
    });
  },
  metrics: async () => {
    expect(loadConfig({ APP_DATABASE_URL: DB }).metricsToken).toBeNull();
    expect((await get('/metrics')).status).toBe(404); // no token configured here
    const token = 'a-metrics-token-for-this-check';
    const withToken = await startWeb({ APP_DATABASE_URL: tdb.urls.app, METRICS_TOKEN: token });
    try {
      expect((await fetch(`${withToken.url}/metrics`)).status).toBe(401);
      const text = await (
        await fetch(`${withToken.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })
      ).text();
      for (const name of [
        'mfiq_procedure_calls_total',
        'mfiq_procedure_duration_seconds',
        'mfiq_jobs_queued',
        'mfiq_jobs_failed',
        'mfiq_audit_outbox_pending',
        'mfiq_backup_last_success_age_seconds',
        'mfiq_restore_drill_failed',
        'mfiq_restore_drill_last_pass_age_seconds',
      ])
        expect(text).toContain(name);
    } finally {
      await withToken.stop();
    }
  },
  'tracing-errors': async () => {
    const c = loadConfig({ APP_DATABASE_URL: DB });
    expect(c.otel).toBeNull();
    expect(c.sentryDsn).toBeNull();
    expect(web.logs.some((l) => l.msg === 'tracing on (OTLP)' || l.msg === 'error reporting on')).toBe(false);
    const privacy = await (await get('/privacy')).text();
    expect(privacy).toMatch(/error-reporting service/);
    expect(privacy).toMatch(/request traces/);
  },
  'privacy-policy': async () => {
    const html = await (await get('/privacy')).text();
    for (const heading of ['What we keep', 'How long', 'Deleting an organization'])
      expect(html).toContain(`>${heading}</h2>`);
    expect(html).toMatch(/Audit events are kept for 365 days unless the organization’s owners choose another period/);
    expect(html).toMatch(/backups, whose key is destroyed/);
    // The periods it names are the code's: the audit default and bounds, and the deletion grace period.
    const column = await sql<{ d: string }>`
      select pg_get_expr(d.adbin, d.adrelid) as d from pg_attrdef d
        join pg_attribute a on a.attrelid = d.adrelid and a.attnum = d.adnum
       where d.adrelid = 'organizations'::regclass and a.attname = 'audit_retention_days'`.execute(tdb.admin);
    expect(column.rows[0]!.d).toBe('365');
    expect(loadConfig({ APP_DATABASE_URL: DB }).lifecycle.deletionGraceDays).toBe(7);
  },
  honeypot: async () => {
    for (const path of formPages()) {
      const html = await (await get(path)).text();
      expect(html, path).toMatch(
        /<div class="hp-field" aria-hidden="true">.*name="website" type="text" tabindex="-1" autoComplete="off"/i,
      );
    }
  },
  'fill-time': async () => {
    expect(loadConfig({ APP_DATABASE_URL: DB }).forms.minFillMs).toBe(3000);
    for (const [id, path] of Object.entries(FORM_PAGES)) {
      if (!path) continue;
      expect(await (await get(path)).text()).toMatch(new RegExp(`name="formToken" value="v1\\.${id}\\.\\d{13}\\.`));
    }
    const token = /name="formToken" value="([^"]+)"/.exec(await (await get('/contact')).text())![1]!;
    const fields = {
      name: 'Once',
      email: 'once@example.com',
      topic: 'sales',
      message: 'Only one of these should arrive.',
    };
    const send = () =>
      fetch(`${web.url}/contact`, {
        method: 'POST',
        redirect: 'manual',
        headers: { origin: web.url, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ formToken: token, website: '', ...fields }),
      });
    await send();
    await send();
    expect(
      (await tdb.owner.selectFrom('contactMessages').select('id').where('email', '=', 'once@example.com').execute())
        .length,
    ).toBe(1);
  },
  'rate-limits': async () => {
    const c = loadConfig({ APP_DATABASE_URL: DB });
    expect([c.forms.ratePerIp, c.forms.ratePerForm]).toEqual([20, 1000]);
    await postForm(web.url, '/contact', {
      name: 'R',
      email: 'r@example.com',
      topic: 'sales',
      message: 'Counting this submission.',
    });
    const keys = (await sql<{ key: string }>`select key from rate_limits`.execute(tdb.owner)).rows.map((r) => r.key);
    expect(keys).toEqual(expect.arrayContaining(['ip:contact:127.0.0.1', 'form:contact']));
  },
  'body-limits': async () => {
    expect(BODY_LIMIT_BYTES).toBe(100 * 1024);
    for (const form of Object.values(PUBLIC_FORMS)) expect(form.bodyLimitBytes).toBeLessThanOrEqual(16 * 1024);
    const res = await fetch(`${web.url}/login`, {
      method: 'POST',
      headers: { origin: web.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: `email=${'a'.repeat(8 * 1024)}`,
    });
    expect(res.status).toBe(413);
  },
  captcha: async () => {
    expect(Object.keys(CAPTCHA_PROVIDERS).sort()).toEqual(['hcaptcha', 'turnstile']);
    expect(loadConfig({ APP_DATABASE_URL: DB }).captcha).toBeNull();
    expect(
      loadConfig({
        APP_DATABASE_URL: DB,
        CAPTCHA_PROVIDER: 'turnstile',
        CAPTCHA_SITE_KEY: 's',
        CAPTCHA_SECRET_KEY: 'k',
      }).captcha,
    ).toMatchObject({ provider: 'turnstile' });
    // Server-side verification is exercised against a local verifier in public-forms.test.ts.
  },
  'nothing-written': async () => {
    const before = await sql<{
      u: number;
      s: number;
      c: number;
    }>`select (select count(*)::int from users) as u, (select count(*)::int from sessions) as s, (select count(*)::int from contact_messages) as c`.execute(
      tdb.owner,
    );
    await postForm(web.url, '/signup', {
      email: 'bot@example.com',
      password: PASSWORD,
      displayName: 'Bot',
      organizationName: 'Bot Org',
      website: 'x',
    });
    await postForm(web.url, '/contact', {
      name: 'Bot',
      email: 'bot@example.com',
      topic: 'sales',
      message: 'Spam spam spam spam.',
      website: 'x',
    });
    const after = await sql<{
      u: number;
      s: number;
      c: number;
    }>`select (select count(*)::int from users) as u, (select count(*)::int from sessions) as s, (select count(*)::int from contact_messages) as c`.execute(
      tdb.owner,
    );
    expect(after.rows[0]).toEqual(before.rows[0]);
  },
  contain: async () => {
    const COMMANDS = await loadCommands();
    const names = COMMANDS.map((c) => c.name.join(' '));
    expect(names).toEqual(
      expect.arrayContaining(['sessions revoke', 'user disable', 'user enable', 'org lock', 'org unlock']),
    );
    const revoke = COMMANDS.find((c) => c.name.join(' ') === 'sessions revoke')!;
    expect(Object.keys(revoke.options)).toEqual(expect.arrayContaining(['user', 'org', 'all']));
    // Their effect on the next request is tested end to end in operator.test.ts.
  },
  investigate: async () => {
    expect((await loadCommands()).map((c) => c.name.join(' '))).toEqual(
      expect.arrayContaining(['audit export', 'security events']),
    );
  },
  'operator-audited': async () => {
    // The contain and investigate commands each name the audit action they record; operator.test.ts
    // checks the recorded events (actor type system, display operator:<name>) end to end.
    const incident = [
      'sessions revoke',
      'user disable',
      'user enable',
      'org lock',
      'org unlock',
      'audit export',
      'security events',
    ];
    const commands = (await loadCommands()).filter((c) => incident.includes(c.name.join(' ')));
    expect(commands).toHaveLength(incident.length);
    for (const c of commands) expect(c.audits, c.name.join(' ')).toMatch(/^[a-z_]+(\.[a-z_]+)+$/);
  },
  'subprocessors-config': async () => {
    const config = JSON.parse(await readFile(path.resolve(WEB_DIR, '../../config/subprocessors.json'), 'utf8')) as {
      subprocessors: { name: string; purpose: string }[];
    };
    const html = await (await get('/subprocessors')).text();
    expect(config.subprocessors.length).toBeGreaterThan(0);
    for (const s of config.subprocessors) expect(html).toContain(s.name.replace(/&/g, '&amp;'));
    // The hosting and the mail provider are always listed.
    const purposes = config.subprocessors.map((s) => s.purpose);
    expect(purposes.some((p) => p.startsWith('Hosting'))).toBe(true);
    expect(purposes.some((p) => p.startsWith('Sending email'))).toBe(true);
  },
};

const PROVEN_HERE = ALL_CLAIMS.filter((c) => c.proof.file === 'apps/web/test/security-page.test.ts');

describe('the security page states only what the code does', () => {
  it('every claim proven here has a check, and every check belongs to such a claim', () => {
    const ids = PROVEN_HERE.map((c) => c.id);
    expect(ids.filter((id) => !VERIFY[id])).toEqual([]);
    expect(Object.keys(VERIFY).filter((id) => !ids.includes(id))).toEqual([]);
    for (const c of PROVEN_HERE)
      expect(c.proof.test).toBe(`the security page states only what the code does > holds: ${c.id}`);
  });

  it('has a section for every heading of its source text, and a group for every labelled statement', async () => {
    // The source text the page is written against, kept verbatim in the repository.
    const seed = await readFile(path.resolve(WEB_DIR, '../../docs/security-page-source.txt'), 'utf8');
    const lines = seed.split('\n').map((l) => l.trim());
    const headings = lines.flatMap((l) => /^\d+\. (.+)$/.exec(l)?.[1] ?? (l === 'Contact' ? ['Contact'] : []));
    expect(headings).toEqual([
      'Overview',
      'Data protection',
      'Access controls',
      'Monitoring and abuse prevention',
      'Incident response',
      'Subprocessors',
      'Contact',
    ]);
    expect(SECURITY_SECTIONS.map((s) => s.title)).toEqual(headings);
    // "- Encryption at rest: ..." labels a statement; the page has a group for each under its heading.
    let section = '';
    for (const l of lines) {
      section = /^\d+\. (.+)$/.exec(l)?.[1] ?? (l === 'Contact' ? 'Contact' : section);
      const label = /^- ([A-Z][A-Za-z&]*(?: [A-Za-z&]+){0,2}): /.exec(l)?.[1];
      if (!label) continue;
      const groups = SECURITY_SECTIONS.find((s) => s.title === section)!.groups.map((g) => g.title);
      expect(groups, `${section}: ${label}`).toContain(label);
    }
    // The page renders them, with each claim's test beside it.
    const html = await (await get('/security')).text();
    for (const s of SECURITY_SECTIONS) {
      expect(html).toContain(`<h2 id="${s.id}-heading">${s.title}</h2>`);
      for (const g of s.groups) expect(html).toContain(`<h3 class="doc__group">${g.title.replace(/&/g, '&amp;')}</h3>`);
    }
    for (const c of ALL_CLAIMS) expect(html).toContain(`<code>${c.proof.file}</code>`);
  });

  for (const claim of PROVEN_HERE) {
    it(`holds: ${claim.id}`, async () => {
      await VERIFY[claim.id]!();
    });
  }
});
