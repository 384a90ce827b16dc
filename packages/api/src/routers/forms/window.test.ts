import type { TRPCError } from '@trpc/server';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, snapshot, type Harness } from '../../testing/harness.ts';

/**
 * Finding 22 (issue 11): a public data form may only add today's value (in the organization's
 * timezone) or one within the window its editors set, never overwrite history or write ahead.
 * The clock is fixed at 2026-03-01 10:30 UTC, when it is already 2026-03-02 in Kiritimati (UTC+14)
 * and still 2026-03-01 in Honolulu (UTC-10): "today" is the organization's, not the server's.
 */
const NOW = new Date('2026-03-01T10:30:00Z');
let tdb: TestDatabase;
let h: Harness;
let api: Awaited<ReturnType<Harness['as']>>;
let slug: string;

const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e as TRPCError & { fieldErrors?: Record<string, string[]> },
  );

async function form(daysBack?: number) {
  const created = await api.forms.create({
    slug,
    name: `Window ${daysBack ?? 'default'}`,
    fields: [{ metricKey: 'visits' }],
    ...(daysBack === undefined ? {} : { daysBack }),
  });
  const anyone = await h.as(null, '198.51.100.40');
  const page = await anyone.forms.publicGet({ token: created.token });
  const submit = (date: string | undefined, value: number) =>
    anyone.forms.submit({
      token: created.token,
      values: [{ fieldId: page.fields[0]!.id, value }],
      ...(date ? { date } : {}),
    });
  return { id: created.id, page, submit };
}

const values = async () =>
  (await api.points.list({ slug, key: 'visits' })).map((p) => [p.date, p.value] as [string | null, number]);

beforeAll(async () => {
  tdb = await createTestDatabase();
  h = createHarness(tdb, { now: () => NOW });
  const owner = await h.signUp('window');
  slug = owner.slug;
  api = await h.as(owner.cookie);
  await api.org.update({ slug, name: 'Window org', timezone: 'Pacific/Kiritimati', weekStart: 1 });
  await api.metrics.create({ slug, key: 'visits', name: 'Visits' });
  // History an editor entered: a public form must never change it.
  await api.points.upsert({
    slug,
    key: 'visits',
    points: [
      { date: '2025-03-02', value: 500 },
      { date: '2026-02-28', value: 40 },
      { date: '2026-03-01', value: 41 },
    ],
  });
});
afterAll(async () => {
  await h.close();
  await tdb.drop();
});

describe('public form date window', () => {
  it('by default takes today only, in the organization’s timezone, and refuses yesterday, last year and tomorrow', async () => {
    const f = await form();
    expect(f.page).toMatchObject({ today: '2026-03-02', earliest: '2026-03-02' });
    const before = await snapshot(tdb);
    for (const date of ['2026-03-01', '2025-03-02', '2026-03-03', '2099-01-01']) {
      const err = await errorOf(f.submit(date, 999));
      expect(err?.code, date).toBe('BAD_REQUEST');
      expect(err?.fieldErrors?.date?.[0], date).toBe('This form takes values for today only (2026-03-02)');
    }
    expect(await snapshot(tdb)).toEqual(before);
    expect(await f.submit(undefined, 7)).toEqual({ written: 1, date: '2026-03-02' });
    expect(await f.submit('2026-03-02', 8)).toEqual({ written: 1, date: '2026-03-02' });
    expect(await values()).toEqual([
      ['2026-03-02', 8],
      ['2026-03-01', 41],
      ['2026-02-28', 40],
      ['2025-03-02', 500],
    ]);
  });

  it('an editor-set window allows exactly its days back, and nothing older or ahead', async () => {
    const f = await form(1);
    expect(f.page).toMatchObject({ today: '2026-03-02', earliest: '2026-03-01' });
    expect(await f.submit('2026-03-01', 42)).toEqual({ written: 1, date: '2026-03-01' });
    for (const date of ['2026-02-28', '2025-03-02', '2026-03-03']) {
      const err = await errorOf(f.submit(date, 999));
      expect(err?.fieldErrors?.date?.[0], date).toBe('This form takes values for 2026-03-01 to 2026-03-02 only');
    }
    expect((await values()).filter(([d]) => d! < '2026-03-01')).toEqual([
      ['2026-02-28', 40],
      ['2025-03-02', 500],
    ]);
  });

  it('the window follows the organization’s timezone when it changes, and is bounded when set', async () => {
    const f = await form();
    await api.org.update({ slug, name: 'Window org', timezone: 'Pacific/Honolulu', weekStart: 1 });
    try {
      expect((await errorOf(f.submit('2026-03-02', 1)))?.fieldErrors?.date?.[0]).toMatch(/today only \(2026-03-01\)/);
      expect(await f.submit(undefined, 43)).toEqual({ written: 1, date: '2026-03-01' });
    } finally {
      await api.org.update({ slug, name: 'Window org', timezone: 'Pacific/Kiritimati', weekStart: 1 });
    }
    const wide = await errorOf(api.forms.update({ slug, id: f.id, daysBack: 366 }));
    expect(wide?.message).toMatch(/at most 31 days back/);
    const updated = await api.forms.update({ slug, id: f.id, daysBack: 31 });
    expect(updated.daysBack).toBe(31);
    expect((await errorOf(f.submit('2026-01-29', 1)))?.fieldErrors?.date?.[0]).toMatch(/2026-01-30 to 2026-03-02/);
  });
});
