import { withTenant } from '@mfiq/db';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, localDate } from '../metrics/periods.ts';
import { createHarness, type Harness } from '../testing/harness.ts';
import { buildDigest, digestPeriod, sendDigests } from './digest.ts';

/**
 * Digests: the numbers equal what metrics.series and targets.list say for the same range (an
 * independent computation: SQL aggregation against the dashboards' batched read), they go out in
 * the organization's morning, once per member and period, and only to members who asked.
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

async function org(slug: string) {
  return tdb.admin
    .selectFrom('organizations')
    .select(['tenantId', 'timezone', 'weekStart'])
    .where('slug', '=', slug)
    .executeTakeFirstOrThrow();
}

describe('digests', () => {
  it('daily and weekly numbers equal metrics.series and targets.list for the same range', async () => {
    const owner = await h.signUp('digest');
    const api = await h.as(owner.cookie);
    await api.org.update({ slug: owner.slug, name: 'Digest org', timezone: 'America/New_York', weekStart: 0 });
    await api.metrics.create({ slug: owner.slug, key: 'revenue', name: 'Revenue', unit: 'currency', currency: 'EUR' });
    await api.metrics.create({ slug: owner.slug, key: 'orders', name: 'Orders' });
    await api.metrics.create({ slug: owner.slug, key: 'basket', name: 'Basket', aggregation: 'avg' });
    await api.metrics.create({ slug: owner.slug, key: 'aov', name: 'Average order', formula: 'revenue / orders' });
    const today = localDate(new Date(), 'America/New_York');
    const days = Array.from({ length: 21 }, (_, i) => addDays(today, -i));
    for (const [key, f] of [
      ['revenue', (i: number) => 100 + i * 7.25],
      ['orders', (i: number) => 3 + (i % 4)],
      ['basket', (i: number) => 20 + (i % 5) * 1.5],
    ] as const)
      await api.points.upsert({ slug: owner.slug, key, points: days.map((date, i) => ({ date, value: f(i) })) });
    await api.targets.create({ slug: owner.slug, key: 'revenue', kind: 'recurring', grain: 'month', value: 5000 });
    for (const key of ['revenue', 'orders', 'basket', 'aov'])
      await api.notifications.follow({ slug: owner.slug, key, following: true });
    const o = await org(owner.slug);
    const membershipId = (await api.members.list({ slug: owner.slug })).find((m) => m.isYou)!.membershipId;

    for (const frequency of ['daily', 'weekly'] as const) {
      const period = digestPeriod(frequency, today, o.weekStart);
      const digest = await withTenant(tdb.app, { tenantId: o.tenantId }, (trx) =>
        buildDigest(trx, o, membershipId, frequency, period),
      );
      expect(digest.metrics.map((m) => m.key)).toEqual(['aov', 'basket', 'orders', 'revenue']);
      const grain = frequency === 'daily' ? 'day' : 'week';
      for (const m of digest.metrics) {
        const series = await api.metrics.series({
          slug: owner.slug,
          key: m.key,
          grain,
          from: period.start,
          to: period.end,
        });
        expect(series.points).toHaveLength(1);
        const point = series.points[0]!;
        expect(m.value, `${frequency} ${m.key}`).toBeCloseTo(point.value!, 9);
        expect(m.previous, `${frequency} ${m.key} previous`).toBeCloseTo(point.previous!, 9);
        const targets = await api.targets.list({ slug: owner.slug, key: m.key, asOf: period.end });
        expect(m.targets.map((t) => [t.actual, t.forecast, t.status])).toEqual(
          targets.targets.map((t) => [t.progress!.actual, t.progress!.forecast, t.progress!.status]),
        );
      }
    }
  });

  it('goes out in the local morning, once per period, to members who asked, with the alerts they got', async () => {
    const owner = await h.signUp('morning');
    const api = await h.as(owner.cookie);
    await api.org.update({ slug: owner.slug, name: 'Morning org', timezone: 'Asia/Tokyo', weekStart: 1 });
    await api.metrics.create({ slug: owner.slug, key: 'signups', name: 'Signups' });
    await api.notifications.follow({ slug: owner.slug, key: 'signups', following: true });
    const o = await org(owner.slug);
    // 07:30 in Tokyo: not yet. Nobody asked for a digest either.
    const early = new Date('2024-03-11T22:30:00Z');
    const morning = new Date('2024-03-12T00:30:00Z');
    expect(
      await sendDigests(tdb.worker, { tenantId: o.tenantId, now: morning, publicUrl: 'http://mfiq.test' }),
    ).toEqual({ sent: 0, due: 0 });
    await api.notifications.updateSettings({ slug: owner.slug, emailAlerts: true, digest: 'daily' });
    expect(await sendDigests(tdb.worker, { tenantId: o.tenantId, now: early, publicUrl: 'http://mfiq.test' })).toEqual({
      sent: 0,
      due: 0,
    });
    await api.points.upsert({
      slug: owner.slug,
      key: 'signups',
      points: [
        { date: '2024-03-11', value: 42 },
        { date: '2024-03-10', value: 40 },
      ],
    });
    const runs = await Promise.all(
      Array.from({ length: 3 }, () =>
        sendDigests(tdb.worker, { tenantId: o.tenantId, now: morning, publicUrl: 'http://mfiq.test' }),
      ),
    );
    expect(runs.reduce((n, r) => n + r.sent, 0)).toBe(1);
    const mail = await h.lastMail(owner.email, 'digest');
    expect(mail?.subject).toBe('[Morning org] Your daily digest: 2024-03-11');
    expect(mail?.textBody).toContain('  Signups: 42 (+5 % on the day before)');
    expect(mail?.textBody).toContain('http://mfiq.test/account/notifications');
    expect(
      await sendDigests(tdb.worker, { tenantId: o.tenantId, now: morning, publicUrl: 'http://mfiq.test' }),
    ).toEqual({ sent: 0, due: 0 });
  });
});
