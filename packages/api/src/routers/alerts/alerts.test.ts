import { sql, withTenant } from '@mfiq/db';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateAlerts } from '../../alerts/engine.ts';
import { createHarness, type Harness } from '../../testing/harness.ts';
import { PUBLIC_URL } from '../../testing/alerts.ts';

/**
 * The alert procedures as people use them: rules, channels (secrets shown once, sealed at rest),
 * the preview, the inbox and the people's controls, and the tenant boundary around all of it.
 */
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

type Api = Awaited<ReturnType<Harness['as']>>;
const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => (e instanceof TRPCError ? e.code : String(e)),
  );

async function tenantOf(slug: string) {
  return (
    await tdb.admin.selectFrom('organizations').select('tenantId').where('slug', '=', slug).executeTakeFirstOrThrow()
  ).tenantId;
}

/** Runs the evaluation the worker would run after a write, as the worker role. */
async function evaluateNow(slug: string, now = new Date()) {
  const tenantId = await tenantOf(slug);
  return withTenant(tdb.worker, { tenantId }, (trx) =>
    evaluateAlerts(trx, { tenantId, scope: { all: true }, now, publicUrl: PUBLIC_URL }),
  );
}

async function myMembership(api: Api, slug: string) {
  return (await api.members.list({ slug })).find((m) => m.isYou)!.membershipId;
}

/** A daily "above" rule (no quiet hours, no cool-down), a value over it written now, and the evaluation: one firing alert. */
async function fireThreshold(
  api: Api,
  slug: string,
  rule: { name: string; metricKey: string; above: number; value: number; members: string[]; channels?: string[] },
) {
  const { id } = await api.alerts.create({
    slug,
    name: rule.name,
    metricKey: rule.metricKey,
    grain: 'day',
    condition: { kind: 'threshold', op: 'above', value: rule.above },
    recipients: { members: rule.members, channels: rule.channels ?? [] },
    quietHours: null,
    cooldownMinutes: 0,
  });
  await api.points.upsert({ slug, key: rule.metricKey, points: [{ ts: new Date().toISOString(), value: rule.value }] });
  await evaluateNow(slug);
  return id;
}

describe('rules', () => {
  it('an editor creates a rule that notifies them; the push that breaches it reaches their inbox and the bell', async () => {
    const owner = await h.signUp('rules');
    const api = await h.as(owner.cookie);
    await api.metrics.create({ slug: owner.slug, key: 'orders', name: 'Orders' });
    const me = await myMembership(api, owner.slug);
    const { id } = await api.alerts.create({
      slug: owner.slug,
      name: 'Orders spike',
      metricKey: 'orders',
      grain: 'day',
      condition: { kind: 'threshold', op: 'above', value: 100 },
      recipients: { members: [me], channels: [] },
      quietHours: null,
      cooldownMinutes: 0,
    });
    const listed = await api.alerts.list({ slug: owner.slug });
    expect(listed).toEqual([
      expect.objectContaining({
        id,
        name: 'Orders spike',
        conditionText: 'above 100 in a day',
        openEvents: 0,
        recipients: 1,
      }),
    ]);
    const key = await h.createKey(owner.cookie, owner.slug, ['data:write']);
    await (
      await h.asKey(key.token)
    ).api.push({ points: [{ metric: 'orders', ts: new Date().toISOString(), value: 150 }] });
    expect(await evaluateNow(owner.slug)).toMatchObject({ fired: 1, notifications: 1 });

    const inbox = await api.notifications.list({ slug: owner.slug });
    expect(inbox.unread).toBe(1);
    expect(inbox.items[0]!.event.explanation.summary).toMatch(
      /^Orders was 150 in \d{4}-\d{2}-\d{2} so far, above the threshold of 100\.$/,
    );
    expect(await api.notifications.unreadCounts()).toEqual({
      total: 1,
      organizations: [{ slug: owner.slug, name: expect.any(String), unread: 1 }],
    });
    const detail = await api.alerts.get({ slug: owner.slug, id });
    expect(detail.events).toHaveLength(1);
    expect(detail.events[0]!.deliveries.map((d) => [d.channel, d.status])).toEqual([
      ['in_app', 'delivered'],
      ['email', 'queued'],
    ]);

    // Acknowledge (audited), then read: the bell goes back to 0.
    const eventId = detail.events[0]!.id;
    expect(await api.alerts.acknowledge({ slug: owner.slug, eventId })).toMatchObject({ state: 'acknowledged' });
    expect((await api.alerts.get({ slug: owner.slug, id })).events[0]).toMatchObject({
      state: 'acknowledged',
      acknowledgedBy: expect.any(String),
    });
    const audited = await tdb.admin
      .selectFrom('auditOutbox')
      .select(['action', 'targetId'])
      .where('action', 'in', ['alert_rule.created', 'alert.acknowledged'])
      .where('tenantId', '=', await tenantOf(owner.slug))
      .execute();
    expect(audited.map((a) => a.action).sort()).toEqual(['alert.acknowledged', 'alert_rule.created']);
    expect(await api.notifications.markRead({ slug: owner.slug, all: true })).toEqual({ marked: 1 });
    expect((await api.notifications.unreadCounts()).total).toBe(0);
  });

  it("snooze and mute are the caller's own; changing what a rule watches resolves its open alerts", async () => {
    const owner = await h.signUp('mute');
    const api = await h.as(owner.cookie);
    await api.metrics.create({ slug: owner.slug, key: 'errors', name: 'Errors' });
    const viewer = await h.addMember(owner.slug, 'viewer');
    const viewerApi = await h.as(viewer.cookie);
    const { id } = await api.alerts.create({
      slug: owner.slug,
      name: 'Any errors',
      metricKey: 'errors',
      grain: 'day',
      condition: { kind: 'threshold', op: 'above', value: 0 },
      recipients: { members: [await myMembership(api, owner.slug), viewer.membershipId], channels: [] },
      quietHours: { start: '22:00', end: '07:00' },
      cooldownMinutes: 60,
    });
    const until = new Date(Date.now() + 3_600_000);
    await viewerApi.alerts.mute({ slug: owner.slug, ruleId: id, until });
    expect((await viewerApi.alerts.list({ slug: owner.slug }))[0]!.myMute).toEqual({ until });
    expect((await api.alerts.list({ slug: owner.slug }))[0]!.myMute).toBeNull();
    expect(
      await codeOf(viewerApi.alerts.mute({ slug: owner.slug, ruleId: id, until: new Date(Date.now() - 1000) })),
    ).toBe('BAD_REQUEST');
    // The settings page lists the caller's own mutes, with what a person needs to recognise them.
    expect((await viewerApi.notifications.settings({ slug: owner.slug })).mutes).toEqual([
      { ruleId: id, ruleName: 'Any errors', metricName: 'Errors', until },
    ]);
    expect(await api.notifications.settings({ slug: owner.slug })).toMatchObject({ mutes: [], mutedCount: 0 });
    await viewerApi.alerts.unmute({ slug: owner.slug, ruleId: id });
    expect((await viewerApi.alerts.get({ slug: owner.slug, id })).myMute).toBeNull();
    expect(await viewerApi.notifications.settings({ slug: owner.slug })).toMatchObject({ mutes: [], mutedCount: 0 });

    await api.points.upsert({ slug: owner.slug, key: 'errors', points: [{ ts: new Date().toISOString(), value: 3 }] });
    await evaluateNow(owner.slug);
    expect((await api.alerts.get({ slug: owner.slug, id })).events[0]!.state).toBe('firing');
    const changed = await api.alerts.update({
      slug: owner.slug,
      id,
      name: 'Many errors',
      metricKey: 'errors',
      grain: 'day',
      condition: { kind: 'threshold', op: 'above', value: 10 },
      recipients: { members: [], channels: [] },
      quietHours: null,
      cooldownMinutes: 0,
    });
    expect(changed.resolved).toBe(1);
    const event = (await api.alerts.get({ slug: owner.slug, id })).events[0]!;
    expect(event).toMatchObject({ state: 'resolved', resolution: 'The rule was changed' });
    // A rename alone changes nothing that is watched.
    const renamed = await api.alerts.update({
      slug: owner.slug,
      id,
      name: 'Many errors, renamed',
      metricKey: 'errors',
      grain: 'day',
      condition: { kind: 'threshold', op: 'above', value: 10 },
      recipients: { members: [], channels: [] },
      quietHours: null,
      cooldownMinutes: 0,
    });
    expect(renamed.resolved).toBe(0);
  });

  it('the preview lists the periods of the last 90 days on which the rule would have fired', async () => {
    const owner = await h.signUp('preview');
    const api = await h.as(owner.cookie);
    await api.metrics.create({ slug: owner.slug, key: 'visits', name: 'Visits' });
    const today = new Date();
    const dayBack = (n: number) => new Date(today.getTime() - n * 86_400_000).toISOString().slice(0, 10);
    const values = [5, 50, 5, 70, 5, 5, 90, 5];
    await api.points.upsert({
      slug: owner.slug,
      key: 'visits',
      points: values.map((value, i) => ({ date: dayBack(10 - i), value })),
    });
    const preview = await api.alerts.preview({
      slug: owner.slug,
      metricKey: 'visits',
      grain: 'day',
      condition: { kind: 'threshold', op: 'above', value: 20 },
    });
    expect(preview.fired.map((f) => [f.start, f.value])).toEqual([
      [dayBack(9), 50],
      [dayBack(7), 70],
      [dayBack(4), 90],
    ]);
    expect(preview.judged).toBe(8);
    const stale = await api.alerts.preview({
      slug: owner.slug,
      metricKey: 'visits',
      grain: 'day',
      condition: { kind: 'stale', unit: 'periods', count: 2 },
    });
    // Data stopped 3 days ago: the second empty day is the one that would have fired.
    expect(stale.fired.map((f) => f.start)).toContain(dayBack(0));
  });
});

describe('a rule with a long history', () => {
  it('its page lists the latest 50 alerts and says how many there are; the alert an inbox item opens is listed even when older, and an id of another organization adds nothing', async () => {
    const fire = async (name: string) => {
      const owner = await h.signUp(name);
      const api = await h.as(owner.cookie);
      await api.metrics.create({ slug: owner.slug, key: 'orders', name: 'Orders' });
      const id = await fireThreshold(api, owner.slug, {
        name: 'Orders spike',
        metricKey: 'orders',
        above: 100,
        value: 150,
        members: [await myMembership(api, owner.slug)],
      });
      return { slug: owner.slug, api, id };
    };
    const a = await fire('history-a');
    const b = await fire('history-b');
    // 55 earlier days' alerts of the same rule, a day apart (copies of the one that fired).
    await tdb.admin.executeQuery(
      sql`insert into alert_events (tenant_id, id, rule_id, occurrence, grain, period_start, period_end, value, baseline,
                                    explanation, notified, fired_at, state, resolved_at)
          select e.tenant_id, gen_random_uuid(), e.rule_id, 'day:old-' || g, e.grain, e.period_start - g, e.period_end - g,
                 e.value, e.baseline, e.explanation, e.notified, e.fired_at - make_interval(days => g), 'resolved', e.fired_at
            from alert_events e cross join generate_series(1, 55) g where e.rule_id = ${a.id}`.compile(tdb.admin),
    );
    const oldest = await tdb.admin
      .selectFrom('alertEvents')
      .select('id')
      .where('ruleId', '=', a.id)
      .orderBy('firedAt')
      .executeTakeFirstOrThrow();

    const latest = await a.api.alerts.get({ slug: a.slug, id: a.id });
    expect(latest.totalEvents).toBe(56);
    expect(latest.events).toHaveLength(50);
    expect(latest.events.map((e) => e.id)).not.toContain(oldest.id);

    const opened = await a.api.alerts.get({ slug: a.slug, id: a.id, event: oldest.id });
    expect(opened.events).toHaveLength(51);
    expect(opened.events.at(-1)).toMatchObject({ id: oldest.id, state: 'resolved' });

    const eventB = (await b.api.alerts.get({ slug: b.slug, id: b.id })).events[0]!;
    const probed = await a.api.alerts.get({ slug: a.slug, id: a.id, event: eventB.id });
    expect(probed.events.map((e) => e.id)).toEqual(latest.events.map((e) => e.id));
  });
});

describe('channels', () => {
  it('shows the secret once, keeps URL and secret sealed, and never lists either', async () => {
    const owner = await h.signUp('channels');
    const api = await h.as(owner.cookie);
    const url = 'https://hooks.slack.com/services/T000/B000/SECRETPART';
    const { id, secret } = await api.alerts.createChannel({ slug: owner.slug, name: 'Slack', url, format: 'slack' });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const listed = await api.alerts.channels({ slug: owner.slug });
    expect(listed).toEqual([
      expect.objectContaining({
        id,
        name: 'Slack',
        urlDisplay: 'https://hooks.slack.com/…PART',
        format: 'slack',
        secretPrefix: secret.slice(0, 10),
      }),
    ]);
    expect(JSON.stringify(listed)).not.toContain('SECRETPART');
    const row = await tdb.admin.selectFrom('alertChannels').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(secret);
    expect(JSON.stringify(row)).not.toContain('SECRETPART');
    expect(h.secretBox.open(row.secretSealed)).toBe(secret);
    expect(h.secretBox.open(row.urlSealed)).toBe(url);
    const rotated = await api.alerts.rotateChannelSecret({ slug: owner.slug, id });
    expect(rotated.secret).not.toBe(secret);
    const after = await tdb.admin
      .selectFrom('alertChannels')
      .select('secretSealed')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(h.secretBox.open(after.secretSealed)).toBe(rotated.secret);
    const audit = await tdb.admin
      .selectFrom('auditOutbox')
      .select(['action', 'after'])
      .where('targetId', '=', id)
      .execute();
    expect(audit.map((a) => a.action).sort()).toEqual(['alert_channel.created', 'alert_channel.secret_rotated']);
    expect(JSON.stringify(audit)).not.toContain('SECRETPART');
    expect(JSON.stringify(audit)).not.toContain(secret);
  });
});

describe('tenant boundary', () => {
  it("another organization's rules, alerts, deliveries, channels and inbox items are invisible and unreachable by id", async () => {
    const a = await h.signUp('tenant-a');
    const b = await h.signUp('tenant-b');
    const apiA = await h.as(a.cookie);
    const apiB = await h.as(b.cookie);
    await apiB.metrics.create({ slug: b.slug, key: 'secret_sales', name: 'Secret sales' });
    await apiA.metrics.create({ slug: a.slug, key: 'secret_sales', name: 'A sales' });
    const bMember = await myMembership(apiB, b.slug);
    const channel = await apiB.alerts.createChannel({
      slug: b.slug,
      name: 'B hook',
      url: 'https://hooks.example.com/b',
    });
    const ruleB = await fireThreshold(apiB, b.slug, {
      name: 'B rule',
      metricKey: 'secret_sales',
      above: 0,
      value: 9,
      members: [bMember],
      channels: [channel.id],
    });
    const eventB = (await apiB.alerts.get({ slug: b.slug, id: ruleB })).events[0]!;
    const notificationB = (await apiB.notifications.list({ slug: b.slug })).items[0]!;

    // Not listed anywhere in A.
    expect(await apiA.alerts.list({ slug: a.slug })).toEqual([]);
    expect(await apiA.alerts.channels({ slug: a.slug })).toEqual([]);
    expect((await apiA.notifications.list({ slug: a.slug })).items).toEqual([]);
    expect((await apiA.notifications.unreadCounts()).total).toBe(0);
    await apiB.alerts.mute({ slug: b.slug, ruleId: ruleB, until: null });
    expect(await apiA.notifications.settings({ slug: a.slug })).toMatchObject({ mutes: [], mutedCount: 0 });

    // Unreachable by id through A's organization: the same answer as an id that does not exist.
    const RULE = {
      metricKey: 'secret_sales',
      grain: 'day' as const,
      condition: { kind: 'threshold' as const, op: 'above' as const, value: 1 },
    };
    const attempts: [string, () => Promise<unknown>][] = [
      ['get', () => apiA.alerts.get({ slug: a.slug, id: ruleB })],
      [
        'update',
        () =>
          apiA.alerts.update({
            slug: a.slug,
            id: ruleB,
            name: 'x',
            ...RULE,
            recipients: { members: [], channels: [] },
            quietHours: null,
            cooldownMinutes: 0,
          }),
      ],
      ['delete', () => apiA.alerts.delete({ slug: a.slug, id: ruleB })],
      ['setPaused', () => apiA.alerts.setPaused({ slug: a.slug, id: ruleB, paused: true })],
      ['mute', () => apiA.alerts.mute({ slug: a.slug, ruleId: ruleB, until: null })],
      ['unmute', () => apiA.alerts.unmute({ slug: a.slug, ruleId: ruleB })],
      ['acknowledge', () => apiA.alerts.acknowledge({ slug: a.slug, eventId: eventB.id })],
      ['rotate', () => apiA.alerts.rotateChannelSecret({ slug: a.slug, id: channel.id })],
      ['disable', () => apiA.alerts.setChannelDisabled({ slug: a.slug, id: channel.id, disabled: true })],
      ['deleteChannel', () => apiA.alerts.deleteChannel({ slug: a.slug, id: channel.id })],
      // B's organization named by A: not a member, so not found at all.
      ['B slug', () => apiA.alerts.get({ slug: b.slug, id: ruleB })],
      ['B inbox', () => apiA.notifications.list({ slug: b.slug })],
    ];
    for (const [what, call] of attempts) expect(await codeOf(call()), what).toBe('NOT_FOUND');
    expect(await apiA.notifications.markRead({ slug: a.slug, ids: [notificationB.id] })).toEqual({ marked: 0 });
    // Naming B's member or channel as a recipient in A is refused like a made-up id.
    const withB = (recipients: { members: string[]; channels: string[] }) =>
      codeOf(
        apiA.alerts.create({ slug: a.slug, name: 'steal', ...RULE, recipients, quietHours: null, cooldownMinutes: 0 }),
      );
    expect(await withB({ members: [bMember], channels: [] })).toBe('BAD_REQUEST');
    expect(await withB({ members: [], channels: [channel.id] })).toBe('BAD_REQUEST');

    // And B's things are as they were.
    const after = await apiB.alerts.get({ slug: b.slug, id: ruleB });
    expect(after.rule).toMatchObject({ name: 'B rule', paused: false });
    expect(after.events[0]).toMatchObject({ state: 'firing' });
    expect(after.events[0]!.deliveries.map((d) => d.channel).sort()).toEqual(['email', 'in_app', 'webhook']);
    expect((await apiB.notifications.list({ slug: b.slug })).unread).toBe(1);
  });
});
