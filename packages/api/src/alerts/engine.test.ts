import { sql, withTenant } from '@mfiq/db';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMetric, addRule, alertOrg, evaluate, eventsOf, write } from '../testing/alerts.ts';
import { deliveriesOf } from '../routers/alerts/events.ts';
import { localDate } from '../metrics/periods.ts';
import { evaluateAlerts } from './engine.ts';
import { loadContext, rulesIn } from './rules.ts';
import { unsettledRules } from './steady.ts';

/**
 * The evaluator against a real database, as the worker role: each kind of rule fires once per
 * period while its condition holds and resolves when it clears; cool-down, mutes, quiet hours and
 * the organization lock; and no duplicate under concurrent evaluations or a retried one.
 */
let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(() => tdb.drop());

const at = (iso: string) => new Date(iso);
const day = (d: string, v: number, time = '10:00:00') => ({ ts: `${d}T${time}Z`, value: v });
const points = (metric: string, list: { ts: string; value: number }[]) => list.map((p) => ({ metric, ...p }));

async function inbox(tenantId: string) {
  return tdb.admin
    .selectFrom('notifications')
    .select(['membershipId', 'eventId', 'emailOff'])
    .where('tenantId', '=', tenantId)
    .execute();
}

describe('threshold', () => {
  it('fires once per period while it holds, resolves a correction, reopens silently, clears when back to normal', async () => {
    const org = await alertOrg(tdb);
    const metric = await addMetric(tdb.owner, org.tenantId, { key: 'orders' });
    const rule = await addRule(tdb.owner, org.tenantId, {
      metricId: metric,
      grain: 'day',
      condition: { kind: 'threshold', op: 'above', value: 10 },
      members: org.memberships,
    });
    await write(tdb.app, org.tenantId, points('orders', [day('2024-03-09', 5), day('2024-03-10', 12)]));
    const first = await evaluate(tdb.worker, org.tenantId, at('2024-03-10T12:00:00Z'));
    expect(first).toMatchObject({ status: 'evaluated', rules: 1, fired: 1, notifications: 1, emails: 1 });
    let events = await eventsOf(tdb, rule);
    expect(events.map((e) => [e.occurrence, e.state, e.value])).toEqual([['day:2024-03-10', 'firing', 12]]);
    const x = events[0]!.explanation as { summary: string; link: string; comparedWith: { value: number } };
    expect(x.summary).toBe('orders was 12 in 2024-03-10 so far, above the threshold of 10.');
    expect(x.comparedWith.value).toBe(10);
    expect(x.link).toBe(`/orgs/${org.slug}/metrics/orders?grain=day&from=2024-02-10&to=2024-03-10`);

    // Again, and again: the period has fired; nothing new.
    expect(await evaluate(tdb.worker, org.tenantId, at('2024-03-10T12:05:00Z'))).toMatchObject({ fired: 0 });
    expect(await inbox(org.tenantId)).toHaveLength(1);

    // A correction below the threshold resolves it; back above reopens it without a second notice.
    await write(tdb.app, org.tenantId, points('orders', [day('2024-03-10', 8)]));
    expect(await evaluate(tdb.worker, org.tenantId, at('2024-03-10T13:00:00Z'))).toMatchObject({ resolved: 1 });
    expect((await eventsOf(tdb, rule))[0]!.state).toBe('resolved');
    await write(tdb.app, org.tenantId, points('orders', [day('2024-03-10', 15)]));
    expect(await evaluate(tdb.worker, org.tenantId, at('2024-03-10T14:00:00Z'))).toMatchObject({
      reopened: 1,
      fired: 0,
    });
    expect(await inbox(org.tenantId)).toHaveLength(1);

    // The next day breaches too: its own event. A small start to the day after decides nothing.
    await write(tdb.app, org.tenantId, points('orders', [day('2024-03-11', 30), day('2024-03-12', 3)]));
    await evaluate(tdb.worker, org.tenantId, at('2024-03-11T12:00:00Z'));
    await evaluate(tdb.worker, org.tenantId, at('2024-03-12T12:00:00Z'));
    events = await eventsOf(tdb, rule);
    expect(events.map((e) => [e.occurrence, e.state])).toEqual([
      ['day:2024-03-10', 'firing'],
      ['day:2024-03-11', 'firing'],
    ]);
    expect(await inbox(org.tenantId)).toHaveLength(2);

    // Once 2024-03-12 is complete and below, the episode is over: both resolve.
    expect(await evaluate(tdb.worker, org.tenantId, at('2024-03-13T01:00:00Z'))).toMatchObject({ resolved: 2 });
    events = await eventsOf(tdb, rule);
    expect(events.map((e) => e.state)).toEqual(['resolved', 'resolved']);
    expect(events[1]!.resolution).toBe('Cleared: orders was 3 in 2024-03-12, not above 10.');
  });

  it('"below" on a sum waits for the period to end (a partial sum is not low yet)', async () => {
    const org = await alertOrg(tdb);
    const metric = await addMetric(tdb.owner, org.tenantId, { key: 'signups' });
    const rule = await addRule(tdb.owner, org.tenantId, {
      metricId: metric,
      grain: 'day',
      condition: { kind: 'threshold', op: 'below', value: 10 },
    });
    await write(tdb.app, org.tenantId, points('signups', [day('2024-03-09', 20), day('2024-03-10', 1)]));
    expect(await evaluate(tdb.worker, org.tenantId, at('2024-03-10T23:00:00Z'))).toMatchObject({ fired: 0 });
    expect(await evaluate(tdb.worker, org.tenantId, at('2024-03-11T00:05:00Z'))).toMatchObject({ fired: 1 });
    expect((await eventsOf(tdb, rule)).map((e) => e.occurrence)).toEqual(['day:2024-03-10']);
  });
});

describe('change', () => {
  it('fires on a drop against the previous period and resolves when corrected', async () => {
    const org = await alertOrg(tdb);
    const metric = await addMetric(tdb.owner, org.tenantId, { key: 'nps', aggregation: 'avg' });
    const rule = await addRule(tdb.owner, org.tenantId, {
      metricId: metric,
      grain: 'week',
      condition: { kind: 'change', direction: 'down', by: 20, unit: 'percent', compareTo: 'previous' },
    });
    // Weeks start on Monday: 2024-03-04 and 2024-03-11.
    await write(tdb.app, org.tenantId, points('nps', [day('2024-03-05', 100), day('2024-03-12', 70)]));
    expect(await evaluate(tdb.worker, org.tenantId, at('2024-03-13T12:00:00Z'))).toMatchObject({ fired: 1 });
    const [event] = await eventsOf(tdb, rule);
    expect(event).toMatchObject({ occurrence: 'week:2024-03-11', value: 70, baseline: 100 });
    expect((event!.explanation as { summary: string }).summary).toBe(
      'nps was 70 in the week of 2024-03-11 so far against 100 in the previous period: down 30 %, more than the 20 % the rule allows.',
    );
    await write(tdb.app, org.tenantId, points('nps', [day('2024-03-12', 90)]));
    expect(await evaluate(tdb.worker, org.tenantId, at('2024-03-13T13:00:00Z'))).toMatchObject({ resolved: 1 });
  });
});

describe('stale', () => {
  it('fires once after N hours without data and resolves when data arrives', async () => {
    const org = await alertOrg(tdb);
    const metric = await addMetric(tdb.owner, org.tenantId, { key: 'heartbeat' });
    const rule = await addRule(tdb.owner, org.tenantId, {
      metricId: metric,
      grain: 'day',
      condition: { kind: 'stale', unit: 'hours', count: 24 },
    });
    await write(tdb.app, org.tenantId, points('heartbeat', [day('2024-03-10', 1, '00:00:00')]));
    expect(await evaluate(tdb.worker, org.tenantId, at('2024-03-10T12:00:00Z'))).toMatchObject({ fired: 0 });
    expect(await evaluate(tdb.worker, org.tenantId, at('2024-03-11T06:00:00Z'))).toMatchObject({ fired: 1 });
    expect(await evaluate(tdb.worker, org.tenantId, at('2024-03-11T07:00:00Z'))).toMatchObject({ fired: 0 });
    expect((await eventsOf(tdb, rule)).map((e) => e.occurrence)).toEqual(['stale:2024-03-10T00:00:00.000Z']);
    await write(tdb.app, org.tenantId, points('heartbeat', [day('2024-03-11', 1, '06:30:00')]));
    expect(await evaluate(tdb.worker, org.tenantId, at('2024-03-11T07:00:00Z'))).toMatchObject({ resolved: 1 });
    // Silent again for a day: a new occurrence.
    expect(await evaluate(tdb.worker, org.tenantId, at('2024-03-12T08:00:00Z'))).toMatchObject({ fired: 1 });
    expect((await eventsOf(tdb, rule)).map((e) => [e.occurrence, e.state])).toEqual([
      ['stale:2024-03-10T00:00:00.000Z', 'resolved'],
      ['stale:2024-03-11T06:30:00.000Z', 'firing'],
    ]);
  });

  it('counts whole periods without data in the organization timezone', async () => {
    const org = await alertOrg(tdb, { timezone: 'America/New_York' });
    const metric = await addMetric(tdb.owner, org.tenantId, { key: 'visits' });
    const rule = await addRule(tdb.owner, org.tenantId, {
      metricId: metric,
      grain: 'day',
      condition: { kind: 'stale', unit: 'periods', count: 2 },
    });
    // 2024-03-09 02:00 UTC is still 2024-03-08 in New York.
    await write(tdb.app, org.tenantId, points('visits', [day('2024-03-09', 1, '02:00:00')]));
    // Local 2024-03-10 (one empty day, the 9th, since): not yet.
    expect(await evaluate(tdb.worker, org.tenantId, at('2024-03-10T12:00:00Z'))).toMatchObject({ fired: 0 });
    // Local 2024-03-11: the 9th and 10th were empty.
    expect(await evaluate(tdb.worker, org.tenantId, at('2024-03-11T12:00:00Z'))).toMatchObject({ fired: 1 });
    expect((await eventsOf(tdb, rule))[0]!.explanation).toMatchObject({
      summary: 'visits last had data on 2024-03-08, 2 days without data since: no data for 2 days or more.',
    });
  });
});

describe('pace', () => {
  it('fires when the forecast misses the target by more than N %, once enough of the period has passed', async () => {
    const org = await alertOrg(tdb);
    const metric = await addMetric(tdb.owner, org.tenantId, { key: 'revenue' });
    const target = await withTenant(tdb.owner, { tenantId: org.tenantId }, (trx) =>
      trx
        .insertInto('metricTargets')
        .values({ tenantId: org.tenantId, metricId: metric, kind: 'recurring', grain: 'month', value: 3100 })
        .returning('id')
        .executeTakeFirstOrThrow(),
    );
    const rule = await addRule(tdb.owner, org.tenantId, {
      metricId: metric,
      grain: 'month',
      condition: { kind: 'pace', missBy: 10, minElapsed: 20 },
    });
    const days = Array.from({ length: 10 }, (_, i) => day(`2024-03-${String(i + 1).padStart(2, '0')}`, 50));
    await write(tdb.app, org.tenantId, points('revenue', days));
    // Day 5 of 31 is 16 %: too early to judge.
    expect(await evaluate(tdb.worker, org.tenantId, at('2024-03-05T12:00:00Z'))).toMatchObject({ fired: 0 });
    expect(await evaluate(tdb.worker, org.tenantId, at('2024-03-10T12:00:00Z'))).toMatchObject({ fired: 1 });
    const [event] = await eventsOf(tdb, rule);
    expect(event).toMatchObject({ occurrence: `pace:${target.id}:2024-03-01`, value: 1550, baseline: 3100 });
    await write(tdb.app, org.tenantId, points('revenue', [day('2024-03-10', 550)]));
    expect(await evaluate(tdb.worker, org.tenantId, at('2024-03-10T13:00:00Z'))).toMatchObject({ resolved: 1 });
  });
});

describe('anomaly', () => {
  it('fires outside median ± k·MAD of the trailing window, with enough history', async () => {
    const org = await alertOrg(tdb);
    const metric = await addMetric(tdb.owner, org.tenantId, { key: 'latency', aggregation: 'avg' });
    const rule = await addRule(tdb.owner, org.tenantId, {
      metricId: metric,
      grain: 'day',
      condition: { kind: 'anomaly', k: 3, window: 14, minHistory: 7 },
    });
    const history = [100, 102, 98, 101, 99, 103, 97, 100, 101, 99, 102, 98, 100, 101];
    await write(
      tdb.app,
      org.tenantId,
      points(
        'latency',
        history.map((v, i) => day(`2024-03-${String(i + 1).padStart(2, '0')}`, v)),
      ),
    );
    await write(tdb.app, org.tenantId, points('latency', [day('2024-03-15', 200)]));
    expect(await evaluate(tdb.worker, org.tenantId, at('2024-03-15T12:00:00Z'))).toMatchObject({ fired: 1 });
    const [event] = await eventsOf(tdb, rule);
    expect(event).toMatchObject({ occurrence: 'day:2024-03-15', value: 200, baseline: 100 });
    expect(event!.explanation).toMatchObject({ band: { median: 100, mad: 1, low: 97, high: 103, periods: 14 } });
    await write(tdb.app, org.tenantId, points('latency', [day('2024-03-15', 101)]));
    expect(await evaluate(tdb.worker, org.tenantId, at('2024-03-15T13:00:00Z'))).toMatchObject({ resolved: 1 });
  });

  it('needs the minimum history before it judges', async () => {
    const org = await alertOrg(tdb);
    const metric = await addMetric(tdb.owner, org.tenantId, { key: 'latency', aggregation: 'avg' });
    await addRule(tdb.owner, org.tenantId, {
      metricId: metric,
      grain: 'day',
      condition: { kind: 'anomaly', k: 3, window: 14, minHistory: 7 },
    });
    await write(
      tdb.app,
      org.tenantId,
      points('latency', [day('2024-03-13', 100), day('2024-03-14', 100), day('2024-03-15', 900)]),
    );
    expect(await evaluate(tdb.worker, org.tenantId, at('2024-03-15T12:00:00Z'))).toMatchObject({ fired: 0 });
  });
});

describe('formula metrics and scope', () => {
  it('a write to a part wakes the rules on formulas that read it, and only those', async () => {
    const org = await alertOrg(tdb);
    const paid = await addMetric(tdb.owner, org.tenantId, { key: 'paid' });
    const trials = await addMetric(tdb.owner, org.tenantId, { key: 'trials' });
    const other = await addMetric(tdb.owner, org.tenantId, { key: 'other' });
    const conversion = await addMetric(tdb.owner, org.tenantId, { key: 'conversion', formula: 'paid / trials * 100' });
    const onFormula = await addRule(tdb.owner, org.tenantId, {
      metricId: conversion,
      grain: 'day',
      condition: { kind: 'threshold', op: 'above', value: 50 },
    });
    await addRule(tdb.owner, org.tenantId, {
      metricId: other,
      grain: 'day',
      condition: { kind: 'threshold', op: 'above', value: 0 },
    });
    await write(tdb.app, org.tenantId, points('trials', [day('2024-03-10', 10)]));
    await write(tdb.app, org.tenantId, points('paid', [day('2024-03-10', 6)]));
    const result = await evaluate(tdb.worker, org.tenantId, at('2024-03-10T12:00:00Z'), { touchedMetricIds: [paid] });
    expect(result).toMatchObject({ rules: 1, fired: 1 });
    expect((await eventsOf(tdb, onFormula))[0]).toMatchObject({ occurrence: 'day:2024-03-10', value: 60 });
    expect(
      await evaluate(tdb.worker, org.tenantId, at('2024-03-10T12:00:00Z'), { touchedMetricIds: [trials] }),
    ).toMatchObject({
      rules: 1,
    });
  });

  it('every write path queues one evaluation job per organization with the touched metrics, only where a rule could care', async () => {
    const org = await alertOrg(tdb);
    const watched = await addMetric(tdb.owner, org.tenantId, { key: 'watched' });
    await addMetric(tdb.owner, org.tenantId, { key: 'unwatched' });
    await addRule(tdb.owner, org.tenantId, {
      metricId: watched,
      grain: 'day',
      condition: { kind: 'threshold', op: 'above', value: 1 },
    });
    const jobs = () =>
      tdb.admin
        .selectFrom('graphile_worker._private_jobs as j' as never)
        .select([sql<string>`j.key`.as('key'), sql<unknown>`j.payload`.as('payload')])
        .where(sql<boolean>`j.key like ${`alerts:${org.tenantId}:%`}`)
        .execute() as Promise<{ key: string; payload: unknown }[]>;
    await write(tdb.app, org.tenantId, points('unwatched', [day('2024-03-10', 1)]));
    expect(await jobs()).toEqual([]);
    await write(tdb.app, org.tenantId, [
      ...points('watched', [day('2024-03-10', 1), day('2024-03-11', 2)]),
      ...points('unwatched', [day('2024-03-11', 2)]),
    ]);
    await write(tdb.app, org.tenantId, points('watched', [day('2024-03-10', 5)]));
    await withTenant(tdb.app, { tenantId: org.tenantId }, (trx) =>
      trx.deleteFrom('dataPoints').where('tenantId', '=', org.tenantId).where('metricId', '=', watched).execute(),
    );
    // One job for the organization; each writing statement added its metrics to its payload.
    const entry = { tenantId: org.tenantId, metricIds: [watched] };
    expect(await jobs()).toEqual([{ key: `alerts:${org.tenantId}:touched`, payload: [entry, entry, entry] }]);
  });
});

describe('set-wise settling of threshold rules', () => {
  /** The rules of the organization that go on to the full judgement at `now`, by name. */
  async function unsettled(tenantId: string, now: Date) {
    return withTenant(tdb.worker, { tenantId }, async (trx) => {
      const { org, snapshot } = (await loadContext(trx, tenantId))!;
      const cal = {
        slug: org.slug,
        timezone: org.timezone,
        weekStart: org.weekStart,
        today: localDate(now, org.timezone),
        now,
      };
      const rules = await unsettledRules(trx, tenantId, rulesIn(snapshot, { all: true }), cal);
      return rules.map((r) => r.name).sort();
    });
  }

  it('judges in full only the rules whose verdict may change something, and sums too close to call', async () => {
    const org = await alertOrg(tdb);
    const metric = await addMetric(tdb.owner, org.tenantId, { key: 'settle' });
    const weekly = await addMetric(tdb.owner, org.tenantId, { key: 'settle_weekly' });
    const rule = async (
      name: string,
      condition: { kind: 'threshold'; op: 'above' | 'below'; value: number },
      on = metric,
      grain: 'day' | 'week' = 'day',
    ) => {
      const id = await addRule(tdb.owner, org.tenantId, { metricId: on, grain, condition, members: org.memberships });
      await withTenant(tdb.owner, { tenantId: org.tenantId }, (trx) =>
        trx.updateTable('alertRules').set({ name }).where('id', '=', id).execute(),
      );
      return id;
    };
    const fires = await rule('fires', { kind: 'threshold', op: 'above', value: 1 });
    await rule('quiet', { kind: 'threshold', op: 'above', value: 100 });
    // One day's sum is the same number here and in the full judgement: no doubt at the threshold.
    await rule('exactly at it', { kind: 'threshold', op: 'above', value: 5 });
    // "Below" on a growing sum waits for the day to end, and yesterday has no value: nothing to judge.
    await rule('too early', { kind: 'threshold', op: 'below', value: 1 });
    // A week's sum of several days equal to the threshold: rounding could differ, judged in full.
    await rule('week at it', { kind: 'threshold', op: 'above', value: 5 }, weekly, 'week');
    await write(tdb.app, org.tenantId, points('settle', [day('2024-03-10', 5)]));
    await write(tdb.app, org.tenantId, points('settle_weekly', [day('2024-03-08', 2), day('2024-03-09', 3)]));
    const now = at('2024-03-10T12:00:00Z');
    expect(await unsettled(org.tenantId, now)).toEqual(['fires', 'week at it']);
    expect((await evaluate(tdb.worker, org.tenantId, now)).fired).toBe(1);
    // Open and still true: settled.
    expect(await unsettled(org.tenantId, now)).toEqual(['week at it']);
    expect((await evaluate(tdb.worker, org.tenantId, now)).fired).toBe(0);
    // A correction makes the open alert untrue: judged in full, and resolved.
    await write(tdb.app, org.tenantId, points('settle', [day('2024-03-10', -4.5, '11:00:00')]));
    expect(await unsettled(org.tenantId, now)).toEqual(['fires', 'week at it']);
    expect((await evaluate(tdb.worker, org.tenantId, now)).resolved).toBe(1);
    expect((await eventsOf(tdb, fires)).map((e) => e.state)).toEqual(['resolved']);
    // Next day, yesterday's final 0.5 is below 1: the "below" rule fires for it.
    const next = at('2024-03-11T12:00:00Z');
    expect(await unsettled(org.tenantId, next)).toEqual(['too early', 'week at it']);
    expect((await evaluate(tdb.worker, org.tenantId, next)).fired).toBe(1);
    expect(await unsettled(org.tenantId, next)).toEqual(['week at it']);
  });
});

describe('people and delivery', () => {
  it('a cool-down records later events without notifying', async () => {
    const org = await alertOrg(tdb);
    const metric = await addMetric(tdb.owner, org.tenantId, { key: 'errors' });
    const rule = await addRule(tdb.owner, org.tenantId, {
      metricId: metric,
      grain: 'day',
      condition: { kind: 'threshold', op: 'above', value: 1 },
      members: org.memberships,
      cooldownMinutes: 3 * 24 * 60,
    });
    await write(
      tdb.app,
      org.tenantId,
      points('errors', [day('2024-03-10', 5), day('2024-03-11', 5), day('2024-03-15', 5)]),
    );
    await evaluate(tdb.worker, org.tenantId, at('2024-03-10T12:00:00Z'));
    await evaluate(tdb.worker, org.tenantId, at('2024-03-11T12:00:00Z'));
    await evaluate(tdb.worker, org.tenantId, at('2024-03-15T12:00:00Z'));
    expect((await eventsOf(tdb, rule)).map((e) => [e.occurrence, e.notified])).toEqual([
      ['day:2024-03-10', true],
      ['day:2024-03-11', false],
      ['day:2024-03-15', true],
    ]);
    expect(await inbox(org.tenantId)).toHaveLength(2);
  });

  it('mutes, snoozes, mail settings and quiet hours shape the deliveries, and the log says why', async () => {
    const org = await alertOrg(tdb, { members: 3, timezone: 'Europe/Paris' });
    const [muted, snoozed, quietMail] = org.memberships as [string, string, string];
    const metric = await addMetric(tdb.owner, org.tenantId, { key: 'refunds' });
    const channel = await withTenant(tdb.owner, { tenantId: org.tenantId }, (trx) =>
      trx
        .insertInto('alertChannels')
        .values({
          tenantId: org.tenantId,
          name: 'Ops hook',
          urlSealed: 'v1.sealed.url.fixture.value',
          urlDisplay: 'https://hooks.example.com/…',
          secretSealed: 'v1.sealed.secret.fixture',
          secretPrefix: 'whsec_ab',
        })
        .returning('id')
        .executeTakeFirstOrThrow(),
    );
    // Quiet from 22:00 to 07:00 Paris time; the evaluation runs at 23:30 Paris (22:30 UTC).
    const rule = await addRule(tdb.owner, org.tenantId, {
      metricId: metric,
      grain: 'day',
      condition: { kind: 'threshold', op: 'above', value: 1 },
      members: org.memberships,
      channels: [channel.id],
      quiet: { start: 22 * 60, end: 7 * 60 },
    });
    await withTenant(tdb.owner, { tenantId: org.tenantId }, async (trx) => {
      await trx
        .insertInto('alertMutes')
        .values({ tenantId: org.tenantId, ruleId: rule, membershipId: muted })
        .execute();
      await trx
        .insertInto('alertMutes')
        .values({
          tenantId: org.tenantId,
          ruleId: rule,
          membershipId: snoozed,
          until: new Date('2024-03-11T00:00:00Z'),
        })
        .execute();
      await trx
        .insertInto('notificationPreferences')
        .values({ tenantId: org.tenantId, membershipId: quietMail, emailAlerts: false })
        .execute();
    });
    await write(tdb.app, org.tenantId, points('refunds', [day('2024-03-10', 5)]));
    await evaluate(tdb.worker, org.tenantId, at('2024-03-10T22:30:00Z'));
    const log = await tdb.admin
      .selectFrom('alertDeliveries')
      .select(['channel', 'membershipId', 'channelId', 'status', 'detail', 'nextAttemptAt'])
      .where('tenantId', '=', org.tenantId)
      .orderBy('channel')
      .orderBy('membershipId')
      .execute();
    const of = (channel: string, who: string | null) =>
      log.find((d) => d.channel === channel && (d.membershipId === who || d.channelId === who));
    expect(of('in_app', muted)).toMatchObject({ status: 'skipped', detail: 'Muted by Member 0' });
    expect(of('in_app', snoozed)).toMatchObject({
      status: 'skipped',
      detail: 'Snoozed by Member 1 until 2024-03-11T00:00:00.000Z',
    });
    // 07:00 Paris on 2024-03-11 is 06:00 UTC.
    expect(of('webhook', channel.id)).toMatchObject({
      status: 'pending',
      nextAttemptAt: new Date('2024-03-11T06:00:00Z'),
    });
    // The member who got the alert has it in their inbox, which is its in-app delivery and records
    // that their mail was off (ADR 0115): no row of its own in the table for either.
    expect(log).toHaveLength(3);
    expect(await inbox(org.tenantId)).toEqual([expect.objectContaining({ membershipId: quietMail, emailOff: true })]);
    // The delivery log as the alert page shows it still says, per recipient and channel, what happened.
    const [event] = await eventsOf(tdb, rule);
    const shown = await withTenant(tdb.app, { tenantId: org.tenantId }, async (trx) =>
      (await deliveriesOf(trx, org.tenantId, [event!.id])).get(event!.id),
    );
    expect(shown!.map((d) => [d.channel, d.recipient, d.status, d.detail])).toEqual([
      ['in_app', 'Member 0', 'skipped', 'Muted by Member 0'],
      ['in_app', 'Member 1', 'skipped', 'Snoozed by Member 1 until 2024-03-11T00:00:00.000Z'],
      ['in_app', 'Member 2', 'delivered', null],
      ['email', 'Member 2', 'skipped', 'Alert mail is turned off in their notification settings'],
      ['webhook', 'Ops hook', 'pending', expect.stringMatching(/^Held for quiet hours until 07:00/)],
    ]);
  });

  it('a locked organization does not fire', async () => {
    const org = await alertOrg(tdb);
    const metric = await addMetric(tdb.owner, org.tenantId, { key: 'locked_metric' });
    const rule = await addRule(tdb.owner, org.tenantId, {
      metricId: metric,
      grain: 'day',
      condition: { kind: 'threshold', op: 'above', value: 1 },
    });
    await write(tdb.app, org.tenantId, points('locked_metric', [day('2024-03-10', 5)]));
    await tdb.admin
      .updateTable('organizations')
      .set({ lockedAt: new Date() })
      .where('tenantId', '=', org.tenantId)
      .execute();
    expect(await evaluate(tdb.worker, org.tenantId, at('2024-03-10T12:00:00Z'))).toMatchObject({
      status: 'locked',
      fired: 0,
    });
    expect(await eventsOf(tdb, rule)).toEqual([]);
  });
});

describe('exactly once', () => {
  it('concurrent evaluations and a retried one open each event once and deliver it once', async () => {
    const org = await alertOrg(tdb, { members: 2 });
    const metric = await addMetric(tdb.owner, org.tenantId, { key: 'busy' });
    const rules: string[] = [];
    for (let i = 0; i < 5; i++)
      rules.push(
        await addRule(tdb.owner, org.tenantId, {
          metricId: metric,
          grain: 'day',
          condition: { kind: 'threshold', op: 'above', value: i },
          members: org.memberships,
        }),
      );
    await write(tdb.app, org.tenantId, points('busy', [day('2024-03-10', 10)]));
    const now = at('2024-03-10T12:00:00Z');
    // A first attempt that dies after evaluating (its transaction rolls back), as a crashed job would.
    await withTenant(tdb.worker, { tenantId: org.tenantId }, async (trx) => {
      await evaluateAlerts(trx, { tenantId: org.tenantId, scope: { all: true }, now, publicUrl: 'http://x' });
      throw new Error('crash');
    }).catch(() => {});
    const results = await Promise.all(Array.from({ length: 6 }, () => evaluate(tdb.worker, org.tenantId, now)));
    expect(results.reduce((n, r) => n + r.fired, 0)).toBe(5);
    const events = await tdb.admin
      .selectFrom('alertEvents')
      .select('id')
      .where('tenantId', '=', org.tenantId)
      .execute();
    expect(events).toHaveLength(5);
    expect(await inbox(org.tenantId)).toHaveLength(10);
    const mails = await tdb.admin.selectFrom('emailOutbox').select('id').where('toAddress', 'in', org.emails).execute();
    expect(mails).toHaveLength(10);
    const deliveries = await tdb.admin
      .selectFrom('alertDeliveries')
      .select('id')
      .where('tenantId', '=', org.tenantId)
      .execute();
    // Each member's mail: the inbox items are the in-app deliveries.
    expect(deliveries).toHaveLength(10);
  });
});
