import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDate } from '../metrics/periods.ts';
import { createHarness, snapshot, type Harness } from '../testing/harness.ts';
import { DEMO_ORG, seedDemo } from './demo.ts';
import { generateAppKey } from '@mfiq/auth';
import { DEMO_FORM } from './demo-form.ts';
import { DEMO_DASHBOARD, DEMO_METRICS } from './demo-metrics.ts';

let tdb: TestDatabase;
let h: Harness;
const password = 'demo password for tests';

beforeAll(async () => {
  tdb = await createTestDatabase();
  h = createHarness(tdb);
});
afterAll(() => tdb.drop());

async function signInAsDemo(email: string) {
  const api = await h.as();
  await api.auth.signIn({ email, password });
  return h.as(h.cookieFrom(api.resHeaders));
}

describe('demo seed', () => {
  it('creates a dozen metrics with two years of daily data ending today, targets and a lively home dashboard', async () => {
    await seedDemo(tdb.owner, { password });
    const api = await signInAsDemo('viewer@demo.test');
    const slug = DEMO_ORG.slug;
    const metrics = await api.metrics.list({ slug });
    expect(metrics.length).toBeGreaterThanOrEqual(12);
    expect(metrics.find((m) => m.key === 'conversion_rate')?.formula).toBe('new_signups / website_visitors * 100');

    const today = localDate(new Date(), DEMO_ORG.timezone);
    const points = (await api.points.list({ slug, key: 'revenue', limit: 1000 })).slice(0, 366);
    expect(
      await tdb.admin
        .selectFrom('dataPoints as p')
        .innerJoin('metrics as m', 'm.id', 'p.metricId')
        .where('m.key', '=', 'revenue')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow(),
    ).toEqual({ n: 731 });
    expect(points[0]!.date).toBe(today);
    // Weekly seasonality: weekdays sell more than weekends, on average over the year.
    const weekday = points.filter((p) => ![0, 6].includes(new Date(`${p.date}T00:00:00Z`).getUTCDay()));
    const weekend = points.filter((p) => [0, 6].includes(new Date(`${p.date}T00:00:00Z`).getUTCDay()));
    const avg = (xs: { value: number }[]) => xs.reduce((s, p) => s + p.value, 0) / xs.length;
    expect(avg(weekday)).toBeGreaterThan(avg(weekend) * 1.4);
    // A growth trend: the last quarter beats the first.
    const q = (from: number) => avg(points.slice(from, from + 90));
    expect(q(0)).toBeGreaterThan(q(276) * 1.15);

    const targets = await api.targets.list({ slug, key: 'revenue' });
    expect(targets.targets).toHaveLength(1);
    expect(targets.targets[0]!.progress?.actual).toBeGreaterThan(0);

    const home = await api.dashboards.get({ slug });
    expect(home.dashboard).toMatchObject({
      name: DEMO_DASHBOARD.name,
      isDefault: true,
      tileCount: DEMO_DASHBOARD.tiles.length,
    });
    expect(home.tiles.length).toBeGreaterThanOrEqual(8);
    for (const tile of home.tiles) {
      expect(tile.data.total, tile.metric.key).not.toBeNull();
      expect(tile.data.previousTotal, tile.metric.key).not.toBeNull();
      expect(
        tile.data.points.every((p) => p.value !== null),
        tile.metric.key,
      ).toBe(true);
    }
    const conversion = home.tiles.find((t) => t.metric.key === 'conversion_rate')!;
    expect(conversion.data.total).toBeGreaterThan(1);
    expect(conversion.data.total).toBeLessThan(10);
    expect(home.tiles.filter((t) => t.data.target !== null).length).toBeGreaterThanOrEqual(5);
  });

  it('is idempotent: a second run changes nothing', async () => {
    const before = await snapshot(tdb);
    await seedDemo(tdb.owner, { password });
    const after = await snapshot(tdb);
    // Sessions and the users' password hashes change by design (sign-in above, password set again).
    const { users: _u1, sessions: _s1, ...b } = before;
    const { users: _u2, sessions: _s2, ...a } = after;
    expect(a).toEqual(b);
    const counts = await tdb.admin
      .selectFrom('metrics')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(counts.n)).toBe(DEMO_METRICS.length);
  });

  it('with the application key, adds a public data form whose printed link works, once', async () => {
    const appKey = generateAppKey();
    const first = await seedDemo(tdb.owner, { password, appKey });
    expect(first.formPath).toMatch(/^\/f\/[A-Za-z0-9_-]{43}$/);
    const token = first.formPath!.slice(3);
    const page = await (await h.as()).forms.publicGet({ token });
    expect(page).toMatchObject({ name: DEMO_FORM.name, orgName: DEMO_ORG.name, paused: false });
    expect(page.fields.map((f) => f.label)).toEqual(DEMO_FORM.fields.map((f) => f.label));
    const editor = await signInAsDemo('editor@demo.test');
    expect((await editor.forms.list({ slug: DEMO_ORG.slug })).map((f) => f.name)).toEqual([DEMO_FORM.name]);

    // Started again with the same key: the same link, no second form.
    const again = await seedDemo(tdb.owner, { password, appKey });
    expect(again.formPath).toBe(first.formPath);
    const forms = await tdb.admin
      .selectFrom('dataForms')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(forms.n)).toBe(1);
    // A replaced key cannot open the sealed link: nothing to print, nothing changed.
    expect((await seedDemo(tdb.owner, { password, appKey: generateAppKey() })).formPath).toBeNull();
    expect((await (await h.as()).forms.publicGet({ token })).name).toBe(DEMO_FORM.name);
  });
});
