import { TRPCError } from '@trpc/server';
import { sql, withTenant } from '@mfiq/db';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDate } from '../../metrics/periods.ts';
import { zonedMidnight } from '../../metrics/zoned.ts';
import { createHarness, snapshot, type Harness } from '../../testing/harness.ts';

/**
 * Public data forms through the caller: an editor builds a form on metrics, anyone holding the
 * link writes values (data points, plus an audit event whose actor is the form), pausing and
 * rotating stop the link at once, and nothing a form or its link says can reach another
 * organization's metrics.
 */
let tdb: TestDatabase;
let h: Harness;
type Api = Awaited<ReturnType<Harness['as']>>;
let a: { slug: string; api: Api; tenantId: string };
let b: { slug: string; api: Api; tenantId: string };

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => (e instanceof TRPCError ? e.code : `threw ${String(e)}`),
  );
const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e as TRPCError & { fieldErrors?: Record<string, string[]> },
  );
const tenantOf = async (slug: string) =>
  (await tdb.owner.selectFrom('organizations').select('tenantId').where('slug', '=', slug).executeTakeFirstOrThrow())
    .tenantId;
const points = (tenantId: string) =>
  tdb.admin
    .selectFrom('dataPoints')
    .select(['metricId', 'ts', 'value'])
    .where('tenantId', '=', tenantId)
    .orderBy('ts')
    .execute();
const publicApi = () => h.as(null, '198.51.100.23');
/** A local date n days before today in Berlin (the organizations' timezone); these forms accept 31 days back. */
const daysAgo = (n: number) => localDate(new Date(Date.now() - n * 86_400_000), 'Europe/Berlin');
const D1 = daysAgo(20);
const D2 = daysAgo(10);

beforeAll(async () => {
  tdb = await createTestDatabase();
  h = createHarness(tdb);
  for (const name of ['a', 'b'] as const) {
    const owner = await h.signUp(`forms-${name}`);
    const api = await h.as(owner.cookie);
    await api.org.update({ slug: owner.slug, name: `Org ${name}`, timezone: 'Europe/Berlin', weekStart: 1 });
    await api.metrics.create({ slug: owner.slug, key: 'revenue', name: 'Revenue', unit: 'currency', currency: 'EUR' });
    await api.metrics.create({ slug: owner.slug, key: 'leads', name: 'Leads' });
    const state = { slug: owner.slug, api, tenantId: await tenantOf(owner.slug) };
    if (name === 'a') a = state;
    else b = state;
  }
  await a.api.metrics.create({ slug: a.slug, key: 'ratio', name: 'Ratio', formula: 'revenue / leads' });
});
afterAll(async () => {
  await h.close();
  await tdb.drop();
});

describe('data forms', () => {
  it('an editor creates a form; anyone with the link submits values that become points and an audit event of the form', async () => {
    const editor = await h.addMember(a.slug, 'editor');
    const api = await h.as(editor.cookie);
    const created = await api.forms.create({
      daysBack: 31,
      slug: a.slug,
      name: 'Weekly numbers',
      description: 'Fridays',
      fields: [{ metricKey: 'revenue', label: 'Revenue this week', help: 'Net, in EUR' }, { metricKey: 'leads' }],
    });
    expect(created.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The link can be copied again later, and it is the same one.
    expect((await api.forms.link({ slug: a.slug, id: created.id })).token).toBe(created.token);
    const form = await api.forms.get({ slug: a.slug, id: created.id });
    expect(form.fields.map((f) => [f.metricKey, f.label, f.position])).toEqual([
      ['revenue', 'Revenue this week', 0],
      ['leads', 'Leads', 1],
    ]);
    // Only the hash and a sealed copy are stored, never the token itself.
    const stored = await tdb.admin
      .selectFrom('dataFormLinks')
      .selectAll()
      .where('formId', '=', created.id)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(stored)).not.toContain(created.token);

    const anyone = await publicApi();
    const page = await anyone.forms.publicGet({ token: created.token });
    expect(page).toMatchObject({ name: 'Weekly numbers', orgName: 'Org a', paused: false });
    expect(page.fields.map((f) => f.label)).toEqual(['Revenue this week', 'Leads']);
    expect(JSON.stringify(page)).not.toContain('revenue'); // labels only: no metric keys leave the organization

    const out = await anyone.forms.submit({
      token: created.token,
      date: D1,
      values: [
        { fieldId: page.fields[0]!.id, value: 1234.5 },
        { fieldId: page.fields[1]!.id, value: 7 },
      ],
    });
    expect(out).toEqual({ written: 2, date: D1 });
    // Midnight of the local date in the organization's timezone.
    const written = await points(a.tenantId);
    const midnight = zonedMidnight(D1, 'Europe/Berlin').toISOString();
    expect(midnight).not.toBe(`${D1}T00:00:00.000Z`);
    expect(written.map((p) => [p.ts.toISOString(), p.value]).sort()).toEqual([
      [midnight, 1234.5],
      [midnight, 7],
    ]);
    // Visible where people look: the metric's own points.
    expect((await a.api.points.list({ slug: a.slug, key: 'revenue' })).map((p) => [p.date, p.value])).toEqual([
      [D1, 1234.5],
    ]);
    const events = await tdb.admin
      .selectFrom('auditOutbox')
      .selectAll()
      .where('tenantId', '=', a.tenantId)
      .where('action', '=', 'data.points_written')
      .execute();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      actorType: 'public_form',
      actorId: created.id,
      actorDisplay: 'Weekly numbers',
      targetType: 'data_form',
      targetId: created.id,
      ip: '198.51.100.23',
    });
    expect(events[0]!.after).toMatchObject({ source: 'form', date: D1, written: 2 });
    expect(await a.api.forms.list({ slug: a.slug })).toEqual([
      expect.objectContaining({ id: created.id, submissionCount: 1, fieldCount: 2, paused: false }),
    ]);

    // Submitting again for the same date replaces the values (same rule as every way in).
    await anyone.forms.submit({ token: created.token, date: D1, values: [{ fieldId: page.fields[0]!.id, value: 99 }] });
    expect((await a.api.points.list({ slug: a.slug, key: 'revenue' })).map((p) => p.value)).toEqual([99]);
  });

  it('a paused form refuses submissions, and a rotated link stops working at once while the new one works', async () => {
    const { id, token } = await a.api.forms.create({
      daysBack: 31,
      slug: a.slug,
      name: 'Pause me',
      fields: [{ metricKey: 'leads' }],
    });
    const anyone = await publicApi();
    const [field] = (await anyone.forms.publicGet({ token })).fields;
    const submit = (t: string, value: number) =>
      anyone.forms.submit({ token: t, date: D2, values: [{ fieldId: field!.id, value }] });

    await a.api.forms.setPaused({ slug: a.slug, id, paused: true });
    expect((await anyone.forms.publicGet({ token })).paused).toBe(true);
    const before = await snapshot(tdb);
    const paused = await errorOf(submit(token, 1));
    expect(paused?.code).toBe('CONFLICT');
    expect(paused?.message).toMatch(/paused/);
    expect(await snapshot(tdb)).toEqual(before);
    await a.api.forms.setPaused({ slug: a.slug, id, paused: false });
    expect(await submit(token, 2)).toMatchObject({ written: 1 });

    const rotated = await a.api.forms.rotateLink({ slug: a.slug, id });
    expect(rotated.token).not.toBe(token);
    const stale = await snapshot(tdb);
    expect(await codeOf(submit(token, 3))).toBe('NOT_FOUND');
    expect(await codeOf(anyone.forms.publicGet({ token }))).toBe('NOT_FOUND');
    expect(await snapshot(tdb)).toEqual(stale);
    expect(await submit(rotated.token!, 4)).toMatchObject({ written: 1 });
    expect((await a.api.forms.link({ slug: a.slug, id })).token).toBe(rotated.token);

    // Deleting the form ends its link too; the data it collected stays with the metric.
    await a.api.forms.delete({ slug: a.slug, id });
    expect(await codeOf(submit(rotated.token!, 5))).toBe('NOT_FOUND');
    expect(await tdb.admin.selectFrom('dataFormLinks').select('id').where('formId', '=', id).execute()).toEqual([]);
    expect((await a.api.points.list({ slug: a.slug, key: 'leads' })).some((p) => p.value === 4)).toBe(true);
    const actions = await tdb.admin
      .selectFrom('auditOutbox')
      .select('action')
      .where('tenantId', '=', a.tenantId)
      .where('targetId', '=', id)
      .orderBy('occurredAt')
      .execute();
    expect(actions.map((r) => r.action)).toEqual(
      expect.arrayContaining([
        'data_form.created',
        'data_form.paused',
        'data_form.resumed',
        'data_form.link_rotated',
        'data_form.deleted',
      ]),
    );
  });

  it("a form of organization A cannot write into B's metrics, whatever its fields or its submission name", async () => {
    // By key: a form is built from the caller's own organization's metrics only.
    const bOnly = await b.api.metrics.create({ slug: b.slug, key: 'b_only', name: 'B only' });
    const refused = await errorOf(
      a.api.forms.create({ daysBack: 31, slug: a.slug, name: 'Cross', fields: [{ metricKey: 'b_only' }] }),
    );
    expect(refused?.code).toBe('BAD_REQUEST');
    expect(refused?.message).toMatch(/no metric with key "b_only"/);

    // By field id: B's form's field ids submitted through A's link are unknown fields.
    const aForm = await a.api.forms.create({
      daysBack: 31,
      slug: a.slug,
      name: 'A form',
      fields: [{ metricKey: 'revenue' }],
    });
    const bForm = await b.api.forms.create({
      daysBack: 31,
      slug: b.slug,
      name: 'B form',
      fields: [{ metricKey: 'revenue' }],
    });
    const anyone = await publicApi();
    const bField = (await anyone.forms.publicGet({ token: bForm.token })).fields[0]!;
    const bBefore = await points(b.tenantId);
    const before = await snapshot(tdb);
    const cross = await errorOf(
      anyone.forms.submit({ token: aForm.token, date: D2, values: [{ fieldId: bField.id, value: 1 }] }),
    );
    expect(cross?.code).toBe('BAD_REQUEST');
    expect(cross?.fieldErrors?.[bField.id]?.[0]).toMatch(/no such field/);
    expect(await snapshot(tdb)).toEqual(before);
    expect(await points(b.tenantId)).toEqual(bBefore);

    // In the database: a field of A naming B's metric id breaks the (tenant_id, metric_id) foreign key...
    const fk = await withTenant(tdb.owner, { tenantId: a.tenantId }, (trx) =>
      trx
        .insertInto('dataFormFields')
        .values({ tenantId: a.tenantId, formId: aForm.id, metricId: bOnly.id, label: 'x', position: 1 })
        .execute(),
    ).catch((e: { code?: string }) => e);
    expect((fk as { code?: string }).code).toBe('23503');
    // ...and the app role cannot even write a row under B's tenant id from A's transaction.
    const rls = await withTenant(tdb.app, { tenantId: a.tenantId }, (trx) =>
      trx
        .insertInto('dataFormFields')
        .values({ tenantId: b.tenantId, formId: bForm.id, metricId: bOnly.id, label: 'x', position: 1 })
        .execute(),
    ).catch((e: { code?: string }) => e);
    expect((rls as { code?: string }).code).toBe('42501');
    // B's forms are not A's to read or manage.
    expect(await codeOf(a.api.forms.get({ slug: a.slug, id: bForm.id }))).toBe('NOT_FOUND');
    expect(await codeOf(a.api.forms.rotateLink({ slug: a.slug, id: bForm.id }))).toBe('NOT_FOUND');
    expect(await codeOf(a.api.forms.link({ slug: a.slug, id: bForm.id }))).toBe('NOT_FOUND');
  });

  it('bad values are refused field by field, with nothing written', async () => {
    const { token } = await a.api.forms.create({
      daysBack: 31,
      slug: a.slug,
      name: 'Values',
      fields: [{ metricKey: 'revenue' }, { metricKey: 'leads' }],
    });
    const anyone = await publicApi();
    const [rev, leads] = (await anyone.forms.publicGet({ token })).fields;
    const before = await snapshot(tdb);
    const huge = await errorOf(
      anyone.forms.submit({
        token,
        values: [
          { fieldId: rev!.id, value: 5 },
          { fieldId: leads!.id, value: 1e300 },
        ],
      }),
    );
    expect(huge?.code).toBe('BAD_REQUEST');
    expect(Object.keys(huge?.fieldErrors ?? {})).toEqual([leads!.id]);
    expect(huge?.fieldErrors?.[leads!.id]?.[0]).toMatch(/between -1e15 and 1e15/);
    const future = await errorOf(
      anyone.forms.submit({ token, date: '2099-01-01', values: [{ fieldId: rev!.id, value: 5 }] }),
    );
    expect(future?.fieldErrors?.date?.[0]).toMatch(/This form takes values for .* only/);
    const old = await errorOf(
      anyone.forms.submit({ token, date: daysAgo(32), values: [{ fieldId: rev!.id, value: 5 }] }),
    );
    expect(old?.fieldErrors?.date?.[0]).toMatch(/This form takes values for .* only/);
    const twice = await errorOf(
      anyone.forms.submit({
        token,
        values: [
          { fieldId: rev!.id, value: 5 },
          { fieldId: rev!.id, value: 6 },
        ],
      }),
    );
    expect(twice?.fieldErrors?.[rev!.id]?.[0]).toMatch(/one value/);
    expect(await snapshot(tdb)).toEqual(before);
    // A field whose metric was archived since takes no values; the page no longer shows it.
    await a.api.metrics.setArchived({ slug: a.slug, key: 'leads', archived: true });
    const archivedBefore = await snapshot(tdb);
    const archived = await errorOf(anyone.forms.submit({ token, values: [{ fieldId: leads!.id, value: 5 }] }));
    expect(archived?.fieldErrors?.[leads!.id]?.[0]).toMatch(/does not take values/);
    expect((await anyone.forms.publicGet({ token })).fields.map((f) => f.id)).toEqual([rev!.id]);
    expect(await snapshot(tdb)).toEqual(archivedBefore);
    await a.api.metrics.setArchived({ slug: a.slug, key: 'leads', archived: false });
    // A formula metric cannot be a field: it is computed.
    expect(
      (await errorOf(a.api.forms.create({ daysBack: 31, slug: a.slug, name: 'F', fields: [{ metricKey: 'ratio' }] })))
        ?.message,
    ).toMatch(/formula/);
  });

  it('a locked organization’s links are refused like unknown ones', async () => {
    const { token } = await b.api.forms.create({
      daysBack: 31,
      slug: b.slug,
      name: 'Locked',
      fields: [{ metricKey: 'leads' }],
    });
    await sql`update organizations set locked_at = now() where tenant_id = ${b.tenantId}`.execute(tdb.admin);
    try {
      expect(await codeOf((await publicApi()).forms.publicGet({ token }))).toBe('NOT_FOUND');
    } finally {
      await sql`update organizations set locked_at = null where tenant_id = ${b.tenantId}`.execute(tdb.admin);
    }
    expect(await codeOf((await publicApi()).forms.publicGet({ token }))).toBe('ok');
  });

  it('viewers see the forms but not their links; editors edit fields and keep field ids of kept metrics', async () => {
    const viewer = await h.addMember(a.slug, 'viewer');
    const v = await h.as(viewer.cookie);
    const { id } = await a.api.forms.create({
      daysBack: 31,
      slug: a.slug,
      name: 'Viewer check',
      fields: [{ metricKey: 'revenue' }, { metricKey: 'leads' }],
    });
    expect((await v.forms.list({ slug: a.slug })).some((f) => f.id === id)).toBe(true);
    expect(await codeOf(v.forms.link({ slug: a.slug, id }))).toBe('FORBIDDEN');
    expect(await codeOf(v.forms.setPaused({ slug: a.slug, id, paused: true }))).toBe('FORBIDDEN');

    const before = await a.api.forms.get({ slug: a.slug, id });
    const after = await a.api.forms.update({
      slug: a.slug,
      id,
      name: 'Renamed',
      fields: [{ metricKey: 'leads', label: 'New leads' }],
    });
    expect(after.name).toBe('Renamed');
    expect(after.fields).toEqual([
      expect.objectContaining({ id: before.fields[1]!.id, metricKey: 'leads', label: 'New leads', position: 0 }),
    ]);
  });
});
