import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';
import { TRPCError } from '@trpc/server';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import pino from 'pino';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRestHandler } from '../../http/rest.ts';
import type { AppRouter } from '../../root.ts';
import { appRouter } from '../../root.ts';
import { createHarness, snapshot, type Harness } from '../../testing/harness.ts';

let tdb: TestDatabase;
let h: Harness;
let org: Awaited<ReturnType<Harness['signUp']>>;
let writer: string;
let reader: string;
beforeAll(async () => {
  tdb = await createTestDatabase();
  h = createHarness(tdb);
  org = await h.signUp('push');
  const owner = await h.as(org.cookie);
  await owner.metrics.create({ slug: org.slug, key: 'revenue', name: 'Revenue', unit: 'currency', currency: 'EUR' });
  await owner.metrics.create({ slug: org.slug, key: 'signups', name: 'Signups' });
  await owner.metrics.create({ slug: org.slug, key: 'rpu', name: 'Revenue per signup', formula: 'revenue / signups' });
  await owner.metrics.create({ slug: org.slug, key: 'old', name: 'Old' });
  await owner.metrics.setArchived({ slug: org.slug, key: 'old', archived: true });
  writer = (await h.createKey(org.cookie, org.slug, ['data:write'])).token;
  reader = (await h.createKey(org.cookie, org.slug, ['metrics:read'])).token;
});
afterAll(() => tdb.drop());

const code = (p: Promise<unknown>) =>
  p.then(
    () => 'OK',
    (e: unknown) => (e instanceof TRPCError ? e.code : `THREW ${String(e)}`),
  );
const pointsOf = async (slug: string) =>
  tdb.admin
    .selectFrom('dataPoints as p')
    .innerJoin('metrics as m', (j) => j.onRef('m.tenantId', '=', 'p.tenantId').onRef('m.id', '=', 'p.metricId'))
    .innerJoin('organizations as o', 'o.tenantId', 'p.tenantId')
    .select(['m.key', 'p.ts', 'p.value'])
    .where('o.slug', '=', slug)
    .orderBy('m.key')
    .orderBy('p.ts')
    .execute();

describe('push API', () => {
  it('writes good points, reports each bad one with its index and reason, and audits the batch once', async () => {
    const api = await h.asKey(writer);
    const out = await api.api.push({
      points: [
        { metric: 'revenue', ts: '2024-05-01T10:00:00Z', value: 100.5 },
        { metric: 'nope', ts: '2024-05-01T10:00:00Z', value: 1 },
        { metric: 'signups', ts: '2024-05-01T10:00:00', value: 1 },
        { metric: 'signups', ts: '2200-01-01T00:00:00Z', value: 1 },
        { metric: 'signups', ts: '1899-12-31T23:59:59Z', value: 1 },
        { metric: 'signups', ts: '2024-02-30T00:00:00Z', value: 1 },
        { metric: 'signups', ts: 'yesterday', value: 1 },
        { metric: 'signups', ts: '2024-05-01T10:00:00+02:00', value: 1e16 },
        { metric: 'rpu', ts: '2024-05-01T10:00:00Z', value: 1 },
        { metric: 'old', ts: '2024-05-01T10:00:00Z', value: 1 },
        { metric: 'signups', ts: '2024-05-01T08:00:00Z', value: 3 },
        { metric: 'signups', ts: '2024-05-01T10:00:00+02:00', value: 4 }, // the same instant as the point before
      ],
    });
    expect(out).toMatchObject({ received: 12, written: 2, rejected: 10, replayed: false });
    expect(out.errors.map((e) => [e.index, e.code])).toEqual([
      [1, 'unknown_metric'],
      [2, 'invalid_timestamp'],
      [3, 'timestamp_out_of_range'],
      [4, 'timestamp_out_of_range'],
      [5, 'invalid_timestamp'],
      [6, 'invalid_timestamp'],
      [7, 'invalid_value'],
      [8, 'formula_metric'],
      [9, 'archived_metric'],
      [11, 'duplicate'],
    ]);
    expect(out.errors[1]!.message).toMatch(/timezone offset/);
    expect(out.errors[9]!.message).toMatch(/point 10/);
    expect(await pointsOf(org.slug)).toEqual([
      { key: 'revenue', ts: new Date('2024-05-01T10:00:00Z'), value: 100.5 },
      { key: 'signups', ts: new Date('2024-05-01T08:00:00Z'), value: 3 },
    ]);
    const events = await tdb.admin
      .selectFrom('auditOutbox')
      .selectAll()
      .where('action', '=', 'data.points_written')
      .execute();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      actorType: 'api_key',
      after: { source: 'api', received: 12, written: 2, rejected: 10 },
    });
    const key = await tdb.admin
      .selectFrom('apiKeys')
      .select('lastUsedAt')
      .where('prefix', '=', writer.slice(0, 12))
      .executeTakeFirstOrThrow();
    expect(key.lastUsedAt).toBeInstanceOf(Date);
  });

  it('the same (metric, ts) again replaces the value', async () => {
    const api = await h.asKey(writer);
    await api.api.push({ points: [{ metric: 'signups', ts: '2024-05-02T00:00:00Z', value: 1 }] });
    await api.api.push({ points: [{ metric: 'signups', ts: '2024-05-02T00:00:00.000+00:00', value: 2 }] });
    expect((await pointsOf(org.slug)).filter((p) => p.ts.getTime() === Date.parse('2024-05-02T00:00:00Z'))).toEqual([
      { key: 'signups', ts: new Date('2024-05-02T00:00:00Z'), value: 2 },
    ]);
  });

  it('batch limits and bad envelopes: 400, nothing written', async () => {
    const api = await h.asKey(writer);
    const before = await snapshot(tdb);
    const many = Array.from({ length: 1001 }, (_, i) => ({
      metric: 'signups',
      ts: new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString(),
      value: i,
    }));
    const cases: [unknown, RegExp][] = [
      [{ points: many }, /At most 1000 points/],
      [{ points: [] }, /at least one point/],
      [{ points: [{ metric: 'signups', ts: '2024-01-01T00:00:00Z', value: Number.NaN }] }, /value/],
      [{ points: [{ metric: 'signups', ts: '2024-01-01T00:00:00Z', value: Number.POSITIVE_INFINITY }] }, /value/],
      [{ points: [{ metric: 'signups', ts: '2024-01-01T00:00:00Z', value: '12' }] }, /value/],
      [{ points: [{ metric: 'signups', ts: 1714521600000, value: 1 }] }, /ts/],
      [{ points: [{ metric: 'x'.repeat(500), ts: '2024-01-01T00:00:00Z', value: 1 }] }, /at most 200/],
      [
        { points: [{ metric: 'signups', ts: '2024-01-01T00:00:00Z', value: 1 }], idempotencyKey: 'k'.repeat(300) },
        /at most 200/,
      ],
      [null, /Invalid input/],
    ];
    for (const [input, message] of cases) {
      const err = await api.api.push(input as never).then(
        () => null,
        (e: TRPCError) => e,
      );
      expect(err?.code, JSON.stringify(input)?.slice(0, 80)).toBe('BAD_REQUEST');
      expect(err?.message).toMatch(message);
    }
    expect(await snapshot(tdb)).toEqual(before);
    const thousand = await api.api.push({ points: many.slice(0, 1000) });
    expect(thousand).toMatchObject({ written: 1000, rejected: 0 });
  });

  it('an idempotency key makes a retried batch a no-op returning the first result', async () => {
    const api = await h.asKey(writer);
    const batch = {
      idempotencyKey: 'batch-42',
      points: [
        { metric: 'revenue', ts: '2024-06-01T00:00:00Z', value: 7 },
        { metric: 'nope', ts: '2024-06-01T00:00:00Z', value: 1 },
      ],
    };
    const first = await api.api.push(batch);
    expect(first).toMatchObject({ written: 1, rejected: 1, replayed: false });
    // Someone corrects the value in between: the retry must not put the old one back.
    await (
      await h.as(org.cookie)
    ).points.upsert({ slug: org.slug, key: 'revenue', points: [{ ts: '2024-06-01T00:00:00Z', value: 8 }] });
    const before = await snapshot(tdb);
    const [again, concurrent] = await Promise.all([
      (await h.asKey(writer)).api.push(batch),
      (await h.asKey(writer)).api.push(batch),
    ]);
    expect(again).toEqual({ ...first, replayed: true });
    expect(concurrent).toEqual({ ...first, replayed: true });
    expect(await snapshot(tdb)).toEqual(before);
    expect(
      await code(api.api.push({ ...batch, points: [{ metric: 'revenue', ts: '2024-06-02T00:00:00Z', value: 1 }] })),
    ).toBe('CONFLICT');
    expect(await snapshot(tdb)).toEqual(before);
  });

  it('wrong scope is FORBIDDEN, a revoked key is refused at once, garbage is UNAUTHORIZED', async () => {
    const point = { points: [{ metric: 'revenue', ts: '2024-07-01T00:00:00Z', value: 1 }] };
    expect(await code((await h.asKey(reader)).api.push(point))).toBe('FORBIDDEN');
    expect(
      await code((await h.asKey(writer)).api.series({ key: 'revenue', from: '2024-01-01', to: '2024-01-31' })),
    ).toBe('FORBIDDEN');
    expect(
      await code((await h.asKey(reader)).api.series({ key: 'revenue', from: '2024-01-01', to: '2024-01-31' })),
    ).toBe('OK');
    const temp = await h.createKey(org.cookie, org.slug, ['data:write', 'metrics:read']);
    expect(await code((await h.asKey(temp.token)).api.push(point))).toBe('OK');
    await (await h.as(org.cookie)).apiKeys.revoke({ slug: org.slug, id: temp.id });
    const before = await snapshot(tdb);
    expect(await code((await h.asKey(temp.token)).api.push(point))).toBe('UNAUTHORIZED');
    expect(await code((await h.asKey(`mfiq_${'A'.repeat(43)}`)).api.push(point))).toBe('UNAUTHORIZED');
    expect(await code((await h.as(org.cookie)).api.push(point))).toBe('UNAUTHORIZED');
    expect(await snapshot(tdb)).toEqual(before);
    const listed = await (await h.as(org.cookie)).apiKeys.list({ slug: org.slug });
    expect(listed.find((k) => k.id === temp.id)).toMatchObject({
      revokedAt: expect.any(Date),
      prefix: temp.token.slice(0, 12),
    });
    expect(JSON.stringify(listed)).not.toContain(temp.token);
    const stored = await tdb.admin.selectFrom('apiKeys').selectAll().execute();
    expect(JSON.stringify(stored)).not.toContain(temp.token.slice(12));
  });

  it("a key of organization A cannot read or write B's metrics", async () => {
    const b = await h.signUp('push-b');
    await (await h.as(b.cookie)).metrics.create({ slug: b.slug, key: 'b_only', name: 'B only' });
    await (
      await h.as(b.cookie)
    ).points.upsert({ slug: b.slug, key: 'b_only', points: [{ ts: '2024-01-01T00:00:00Z', value: 5 }] });
    const both = await h.createKey(org.cookie, org.slug, ['data:write', 'metrics:read']);
    const asA = await h.asKey(both.token);
    expect(await code(asA.api.series({ key: 'b_only', from: '2024-01-01', to: '2024-01-31' }))).toBe('NOT_FOUND');
    const out = await asA.api.push({ points: [{ metric: 'b_only', ts: '2024-01-01T00:00:00Z', value: 666 }] });
    expect(out.errors).toEqual([expect.objectContaining({ code: 'unknown_metric' })]);
    expect(await pointsOf(b.slug)).toEqual([{ key: 'b_only', ts: new Date('2024-01-01T00:00:00Z'), value: 5 }]);
    expect((await asA.api.metrics()).map((m) => m.key)).not.toContain('b_only');
  });
});

describe('rate limit per key', () => {
  it('429 TOO_MANY_REQUESTS with Retry-After through the caller, /api/trpc and the HTTP route', async () => {
    const limited = createHarness(tdb, { apiKeyRateLimit: { points: 2, durationSec: 60 } });
    const key = await limited.createKey(org.cookie, org.slug, ['metrics:read']);
    const other = await limited.createKey(org.cookie, org.slug, ['metrics:read']);
    const caller = await limited.asKey(key.token);
    expect(await code(caller.api.metrics())).toBe('OK');
    expect(await code(caller.api.metrics())).toBe('OK');
    expect(await code(caller.api.metrics())).toBe('TOO_MANY_REQUESTS');
    expect(Number(caller.resHeaders.get('retry-after'))).toBeGreaterThan(0);
    // Another key has its own budget.
    expect(await code((await limited.asKey(other.token)).api.metrics())).toBe('OK');

    const trpc = await fetchRequestHandler({
      endpoint: '/api/trpc',
      req: new Request('http://localhost/api/trpc/api.metrics', { headers: { authorization: `Bearer ${key.token}` } }),
      router: appRouter,
      createContext: ({ req, resHeaders }) => limited.createContext({ req, resHeaders, clientIp: '127.0.0.1' }),
    });
    expect(trpc.status).toBe(429);
    expect(Number(trpc.headers.get('retry-after'))).toBeGreaterThan(0);

    const rest = createRestHandler({ createContext: limited.createContext, logger: pino({ level: 'silent' }) });
    const res = await rest(
      new Request('http://localhost/api/v1/metrics', { headers: { authorization: `Bearer ${key.token}` } }),
      '127.0.0.1',
    );
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/Too many requests/);
  });
});

describe('clients', () => {
  it('the typed client (createTRPCClient + httpBatchLink) pushes and reads with a key, as the README shows', async () => {
    const key = await h.createKey(org.cookie, org.slug, ['data:write', 'metrics:read']);
    // The fetch adapter stands in for the web server's /api/trpc route (same router and context).
    const serve = (req: Request) =>
      fetchRequestHandler({
        endpoint: '/api/trpc',
        req,
        router: appRouter,
        createContext: ({ req: r, resHeaders }) => h.createContext({ req: r, resHeaders, clientIp: '127.0.0.1' }),
      });
    const client = createTRPCClient<AppRouter>({
      links: [
        httpBatchLink({
          url: 'http://localhost/api/trpc',
          transformer: superjson,
          headers: { authorization: `Bearer ${key.token}` },
          fetch: (url, init) => serve(new Request(url, init as RequestInit)),
        }),
      ],
    });
    const result = await client.api.push.mutate({
      idempotencyKey: 'readme-1',
      points: [{ metric: 'signups', ts: '2024-08-01T09:00:00Z', value: 12 }],
    });
    expect(result).toMatchObject({ written: 1, rejected: 0 });
    const series = await client.api.series.query({
      key: 'signups',
      grain: 'month',
      from: '2024-08-01',
      to: '2024-08-31',
    });
    expect(series.points).toEqual([expect.objectContaining({ start: '2024-08-01', value: 12 })]);
    const denied = await client.api.push
      .mutate({ points: [{ metric: 'signups', ts: '2024-08-01T09:00:00Z', value: Number.NaN }] })
      .catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(TRPCClientError);
    expect((denied as TRPCClientError<AppRouter>).data?.httpStatus).toBe(400);
  });

  it('the HTTP JSON route and its generated OpenAPI document', async () => {
    const rest = createRestHandler({ createContext: h.createContext, logger: pino({ level: 'silent' }) });
    const key = await h.createKey(org.cookie, org.slug, ['data:write', 'metrics:read']);
    const auth = { authorization: `Bearer ${key.token}`, 'content-type': 'application/json' };
    const doc = (await (await rest(new Request('http://localhost/api/v1/openapi.json'), null)).json()) as {
      paths: Record<
        string,
        {
          post?: {
            requestBody: {
              content: {
                'application/json': {
                  schema: { properties: { points: { maxItems: number; items: { required: string[] } } } };
                };
              };
            };
          };
        }
      >;
    };
    const pushSchema = doc.paths['/api/v1/points']!.post!.requestBody.content['application/json'].schema;
    expect(pushSchema.properties.points.maxItems).toBe(1000);
    expect(pushSchema.properties.points.items.required).toEqual(['metric', 'ts', 'value']);
    expect(Object.keys(doc.paths)).toEqual(['/api/v1/points', '/api/v1/metrics', '/api/v1/metrics/{key}/series']);

    const post = (body: string, headers: Record<string, string> = {}) =>
      rest(
        new Request('http://localhost/api/v1/points', { method: 'POST', body, headers: { ...auth, ...headers } }),
        null,
      );
    const ok = await post(JSON.stringify({ points: [{ metric: 'revenue', ts: '2024-09-01T00:00:00Z', value: 10 }] }), {
      'idempotency-key': 'http-1',
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ written: 1, replayed: false });
    expect(
      await (
        await post(JSON.stringify({ points: [{ metric: 'revenue', ts: '2024-09-01T00:00:00Z', value: 10 }] }), {
          'idempotency-key': 'http-1',
        })
      ).json(),
    ).toMatchObject({ replayed: true });

    const before = await snapshot(tdb);
    const bad: [string, number][] = [
      ['{"points": [', 400],
      ['{"points": [{"metric": "revenue", "ts": "2024-09-01T00:00:00Z", "value": 1e400}]}', 400],
      [JSON.stringify({ points: 'nope' }), 400],
      [
        JSON.stringify({
          points: [{ metric: 'revenue', ts: '2024-09-01T00:00:00Z', value: 1, pad: 'x'.repeat(1_100_000) }],
        }),
        413,
      ],
    ];
    for (const [body, status] of bad) {
      const res = await post(body);
      expect(res.status, body.slice(0, 60)).toBe(status);
      expect(((await res.json()) as { error: { message: string } }).error.message.length).toBeGreaterThan(5);
    }
    expect(await snapshot(tdb)).toEqual(before);

    const series = await rest(
      new Request('http://localhost/api/v1/metrics/revenue/series?from=2024-09-01&to=2024-09-30&grain=month', {
        headers: auth,
      }),
      null,
    );
    expect(series.status).toBe(200);
    expect(((await series.json()) as { points: { value: number }[] }).points[0]!.value).toBe(10);
    expect(
      (
        await rest(
          new Request('http://localhost/api/v1/metrics/nope/series?from=2024-09-01&to=2024-09-30', { headers: auth }),
          null,
        )
      ).status,
    ).toBe(404);
    expect(
      (
        await rest(
          new Request('http://localhost/api/v1/metrics/revenue/series?from=2024-09-31&to=x', { headers: auth }),
          null,
        )
      ).status,
    ).toBe(400);
    expect((await rest(new Request('http://localhost/api/v1/metrics'), null)).status).toBe(401);
  });
});
