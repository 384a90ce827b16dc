import { TRPCError } from '@trpc/server';
import { sql } from '@mfiq/db';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../../root.ts';
import { createHarness, type Harness } from '../../testing/harness.ts';

/**
 * Share links: a new way into a tenant. The link's page is signed out (its context carries no
 * session), so everything it can reach is what this suite tries: every procedure with every id it
 * could know, and the share procedure itself with keys that would name something else.
 */
let tdb: TestDatabase;
let h: Harness;
let api: Awaited<ReturnType<Harness['as']>>;
let slug: string;
let email: string;
let shared: { id: string };
let secret: { id: string };
let token: string;
let linkId: string;

const code = (e: unknown) => (e instanceof TRPCError ? e.code : `threw ${String(e)}`);

beforeAll(async () => {
  tdb = await createTestDatabase();
  h = createHarness(tdb, {
    shareRateLimits: { perIp: { points: 40, durationSec: 60 }, perLink: { points: 80, durationSec: 60 } },
  });
  const owner = await h.signUp('share');
  ({ slug, email } = owner);
  api = await h.as(owner.cookie);
  await api.metrics.create({ slug, key: 'revenue', name: 'Revenue', unit: 'currency', currency: 'EUR' });
  await api.metrics.create({ slug, key: 'hidden_metric', name: 'Hidden payroll' });
  await api.points.upsert({ slug, key: 'revenue', points: [{ date: '2024-05-06', value: 42 }] });
  await api.points.upsert({ slug, key: 'hidden_metric', points: [{ date: '2024-05-06', value: 99 }] });
  shared = await api.dashboards.create({ slug, name: 'Lobby board' });
  await api.dashboards.addTile({ slug, dashboardId: shared.id, metricKey: 'revenue', kind: 'line' });
  secret = await api.dashboards.create({ slug, name: 'Secret board' });
  await api.dashboards.addTile({ slug, dashboardId: secret.id, metricKey: 'hidden_metric', kind: 'number' });
  await api.annotations.create({ slug, metricKey: 'hidden_metric', date: '2024-05-07', body: 'Hidden note' });
  const created = await api.shares.create({ slug, dashboardId: shared.id, label: 'Lobby TV' });
  token = created.token;
  linkId = created.link.id;
});
afterAll(async () => {
  await h.close();
  await tdb.drop();
});

const view = async (t: string, extra: Record<string, unknown> = {}) =>
  (await h.as()).shares.view({ token: t, from: '2024-05-01', to: '2024-05-31', grain: 'week', ...extra });

describe('share links', () => {
  it('show the one dashboard signed out, count page views but not refreshes, and list without the token', async () => {
    const page = await view(token, { countView: true });
    expect(page.dashboard).toEqual({ name: 'Lobby board' });
    expect(page.tiles.map((t) => t.metric.key)).toEqual(['revenue']);
    expect(page.tiles[0]!.data.total).toBe(42);
    await view(token);
    await view(token, { countView: true });
    const [link] = await api.shares.list({ slug, dashboardId: shared.id });
    expect(link).toMatchObject({ id: linkId, status: 'live', viewCount: 2, label: 'Lobby TV' });
    expect(JSON.stringify(link)).not.toContain(token);
    // Only the hash is stored.
    const stored = await tdb.admin.selectFrom('dashboardShareLinks').selectAll().where('id', '=', linkId).execute();
    expect(JSON.stringify(stored)).not.toContain(token);
  });

  it('through the page context, every procedure and every id reaches nothing but that dashboard', async () => {
    const outsider = await h.as();
    const ids = [shared.id, secret.id, linkId, '00000000-0000-4000-8000-000000000000'];
    const candidates = [
      {},
      { slug },
      ...ids.flatMap((id) => [
        { slug, id },
        { slug, dashboardId: id },
        { slug, dashboardId: id, tileId: id },
      ]),
      { slug, key: 'hidden_metric' },
      { slug, metricKey: 'hidden_metric' },
      { token },
      { slug, token },
    ];
    const leaks = ['Secret board', 'hidden_metric', 'Hidden payroll', 'Hidden note', email, secret.id];
    const procedures = Object.entries(
      appRouter._def.procedures as unknown as Record<string, { _def: { meta?: { access?: { kind: string } } } }>,
    );
    const reached: string[] = [];
    for (const [path, proc] of procedures) {
      // Anything that creates accounts or sends mail is public by design and unrelated to links.
      if (['auth.signUp', 'auth.requestPasswordReset', 'contact.submit'].includes(path)) continue;
      const fn = path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], outsider) as (
        i: unknown,
      ) => Promise<unknown>;
      for (const input of candidates) {
        const result = await fn(input).then(
          (r) => ({ ok: true as const, r }),
          (e: unknown) => ({ ok: false as const, code: code(e) }),
        );
        if (!result.ok) {
          // Signed out, nothing but a public procedure runs; a tenant procedure parses the slug
          // before it looks anyone up (ADR 0081), so an input without one may be refused as such.
          const kind = proc._def.meta?.access?.kind;
          if (kind !== 'public')
            expect(
              kind === 'tenant' && !('slug' in input) ? ['BAD_REQUEST', 'UNAUTHORIZED'] : ['UNAUTHORIZED'],
              `${path} ${JSON.stringify(input)}`,
            ).toContain(result.code);
          continue;
        }
        reached.push(path);
        const text = JSON.stringify(result.r) ?? '';
        for (const leak of leaks) expect(text, `${path} ${JSON.stringify(input)}`).not.toContain(leak);
      }
    }
    // Only the share view answered with data (signing out without a session is a no-op).
    expect([...new Set(reached)].sort()).toEqual(['auth.signOut', 'shares.view']);
    // Keys that would name something else are refused, not ignored.
    for (const extra of [{ id: secret.id }, { dashboardId: secret.id }, { slug }])
      expect(code(await view(token, extra).catch((e: unknown) => e))).toBe('BAD_REQUEST');
  });

  it('rotated, revoked and expired links, a deleted dashboard and a locked organization answer NOT_FOUND', async () => {
    const board = await api.dashboards.create({ slug, name: 'Short-lived' });
    const a = await api.shares.create({ slug, dashboardId: board.id, label: 'A' });
    const rotated = await api.shares.rotate({ slug, id: a.link.id });
    expect(code(await view(a.token).catch((e: unknown) => e))).toBe('NOT_FOUND');
    expect((await view(rotated.token)).dashboard.name).toBe('Short-lived');
    await api.shares.revoke({ slug, id: a.link.id });
    expect(code(await view(rotated.token).catch((e: unknown) => e))).toBe('NOT_FOUND');
    expect(code(await api.shares.rotate({ slug, id: a.link.id }).catch((e: unknown) => e))).toBe('CONFLICT');

    const b = await api.shares.create({ slug, dashboardId: board.id, label: 'B', expiresOn: '2099-12-31' });
    expect((await view(b.token)).dashboard.name).toBe('Short-lived');
    await sql`update dashboard_share_links set expires_at = now() - interval '1 second' where id = ${b.link.id}`.execute(
      tdb.admin,
    );
    expect(code(await view(b.token).catch((e: unknown) => e))).toBe('NOT_FOUND');
    expect((await api.shares.list({ slug, dashboardId: board.id })).map((l) => l.status).sort()).toEqual([
      'expired',
      'revoked',
    ]);

    const c = await api.shares.create({ slug, dashboardId: board.id, label: 'C' });
    await api.dashboards.delete({ slug, id: board.id });
    expect(code(await view(c.token).catch((e: unknown) => e))).toBe('NOT_FOUND');

    await sql`update organizations set locked_at = now() where slug = ${slug}`.execute(tdb.admin);
    try {
      expect(code(await view(token).catch((e: unknown) => e))).toBe('NOT_FOUND');
    } finally {
      await sql`update organizations set locked_at = null where slug = ${slug}`.execute(tdb.admin);
    }
    expect(code(await view('not-a-token').catch((e: unknown) => e))).toBe('NOT_FOUND');
  });

  it('creating, relabelling, rotating and revoking are audited; an expiry in the past is refused', async () => {
    const board = await api.dashboards.create({ slug, name: 'Audited' });
    const l = await api.shares.create({
      slug,
      dashboardId: board.id,
      label: 'Intranet',
      embedOrigins: ['https://intranet.example.com'],
    });
    expect(l.link.embedOrigins).toEqual(['https://intranet.example.com']);
    expect((await view(l.token)).embedOrigins).toEqual(['https://intranet.example.com']);
    await api.shares.update({ slug, id: l.link.id, label: 'Intranet wall', embedOrigins: [] });
    await api.shares.rotate({ slug, id: l.link.id });
    await api.shares.revoke({ slug, id: l.link.id });
    const events = await tdb.admin
      .selectFrom('auditOutbox')
      .select(['action', 'after'])
      .where('targetId', '=', board.id)
      .orderBy('occurredAt')
      .execute();
    expect(events.map((e) => e.action)).toEqual([
      'dashboard.created',
      'dashboard.share_link_created',
      'dashboard.share_link_updated',
      'dashboard.share_link_rotated',
      'dashboard.share_link_revoked',
    ]);
    expect(JSON.stringify(events)).not.toContain(l.token);
    const past = await api.shares
      .create({ slug, dashboardId: board.id, label: 'Old', expiresOn: '2020-01-01' })
      .catch((e: unknown) => e);
    expect(code(past)).toBe('BAD_REQUEST');
  });

  it("another organization's member cannot list, rotate or revoke the links", async () => {
    const other = await h.signUp('share-other');
    const o = await h.as(other.cookie);
    for (const call of [
      () => o.shares.list({ slug: other.slug, dashboardId: shared.id }),
      () => o.shares.rotate({ slug: other.slug, id: linkId }),
      () => o.shares.revoke({ slug: other.slug, id: linkId }),
      () => o.shares.create({ slug: other.slug, dashboardId: shared.id, label: 'Stolen' }),
    ])
      expect(code(await call().catch((e: unknown) => e))).toBe('NOT_FOUND');
    expect((await api.shares.list({ slug, dashboardId: shared.id }))[0]!.status).toBe('live');
  });
});

describe('share link rate limits', () => {
  it('one address is limited, and a flood from many addresses is limited per link', async () => {
    const limited = createHarness(tdb, {
      shareRateLimits: { perIp: { points: 3, durationSec: 60 }, perLink: { points: 6, durationSec: 60 } },
    });
    try {
      const board = await api.dashboards.create({ slug, name: 'Popular' });
      const { token: t } = await api.shares.create({ slug, dashboardId: board.id, label: 'Flooded' });
      const from = async (ip: string) => {
        const caller = await limited.as(null, ip);
        return caller.shares.view({ token: t }).then(
          () => 'ok',
          (e: unknown) => `${code(e)} ${caller.resHeaders.get('retry-after') ?? ''}`.trim(),
        );
      };
      const one = [];
      for (let i = 0; i < 4; i++) one.push(await from('198.51.100.1'));
      expect(one.slice(0, 3)).toEqual(['ok', 'ok', 'ok']);
      expect(one[3]).toMatch(/^TOO_MANY_REQUESTS \d+$/);
      const many = [];
      for (let i = 2; i < 8; i++) many.push(await from(`198.51.100.${i}`));
      // Three from the first address and three more: the link's budget of six is spent.
      expect(many.slice(0, 3)).toEqual(['ok', 'ok', 'ok']);
      expect(many.slice(3).every((r) => r.startsWith('TOO_MANY_REQUESTS'))).toBe(true);
      // Another link is not affected by this one's flood.
      expect((await (await limited.as(null, '198.51.100.50')).shares.view({ token })).dashboard.name).toBe(
        'Lobby board',
      );
    } finally {
      await limited.close();
    }
  });
});
