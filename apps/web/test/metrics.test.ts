import type { TestDatabase } from '@mfiq/db/testing';
import type { AppRouter } from '@mfiq/api';
import { createTRPCClient, httpBatchLink, type TRPCClientError } from '@trpc/client';
import type { Browser } from 'playwright-core';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUpOverHttp, startBrowserSuite, type RunningWeb } from './harness.ts';

let tdb: TestDatabase;
let web: RunningWeb;
let browser: Browser;
let stopSuite: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ tdb, web, browser, stop: stopSuite } = await startBrowserSuite());
}, 240_000);

afterAll(() => stopSuite?.());

describe('metrics pages and the API against the real server', () => {
  it('create a metric, enter values in the grid, see the series; create a key and push with the typed client and over HTTP', async () => {
    const user = await signUpOverHttp(web.url, 'metrics', tdb);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const [name, value] = user.cookie.split('=') as [string, string];
    await context.addCookies([{ name, value, url: web.url }]);
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const problems: string[] = [];
    // Forms answer invalid input with 400 on purpose; the browser logs those loads, which are not problems.
    page.on('console', (m) =>
      m.type() === 'error' && !m.text().includes('status of 400') ? problems.push(m.text()) : undefined,
    );
    page.on('pageerror', (e) => problems.push(e.message));

    await page.goto(`${web.url}/orgs/${user.slug}/metrics`);
    await page.getByLabel('Key').fill('Bad Key');
    await page.getByLabel('Name').fill('Signups');
    await page.getByRole('button', { name: 'Create metric' }).click();
    await expect.poll(() => page.locator('#key-error').textContent()).toMatch(/lowercase/);
    await page.getByLabel('Key').fill('signups');
    await page.getByRole('button', { name: 'Create metric' }).click();
    await page.waitForURL(/\/metrics\/signups$/);

    // Manual entry: two days, one of them with a bad value first.
    await page.getByLabel('New row 1 date').fill('2024-05-01');
    await page.getByLabel('New row 1 value').fill('12');
    await page.getByLabel('New row 2 date').fill('2024-05-02');
    await page.getByLabel('New row 2 value').fill('twelve');
    await page.getByRole('button', { name: 'Save values' }).click();
    await expect.poll(() => page.getByTestId('entry-grid').textContent()).toContain('Enter a number.');
    await page.getByLabel('New row 2 date').fill('2024-05-02');
    await page.getByLabel('New row 2 value').fill('30');
    await page.getByRole('button', { name: 'Save values' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('2 values saved');

    await page.goto(`${web.url}/orgs/${user.slug}/metrics/signups?grain=month&from=2024-05-01&to=2024-05-31`);
    expect(await page.getByTestId('series-table').textContent()).toContain('42');
    await page.screenshot({ path: '/tmp/mfiq-metric-page.png', fullPage: true });

    // API keys page: create a key, shown once.
    await page.goto(`${web.url}/orgs/${user.slug}/settings/api-keys`);
    await page.getByLabel('Name').fill('Importer');
    await page.getByLabel('Read metrics and series').check();
    await page.getByRole('button', { name: 'Create key' }).click();
    const token = (await page.getByTestId('new-api-key').textContent())!.trim();
    expect(token).toMatch(/^mfiq_[A-Za-z0-9_-]{43}$/);
    await page.reload();
    expect(await page.content()).not.toContain(token);
    expect(problems).toEqual([]);
    await context.close();

    // The README example, against this server.
    const client = createTRPCClient<AppRouter>({
      links: [
        httpBatchLink({
          url: `${web.url}/api/trpc`,
          transformer: superjson,
          headers: { authorization: `Bearer ${token}` },
        }),
      ],
    });
    const pushed = await client.api.push.mutate({
      idempotencyKey: 'web-1',
      points: [{ metric: 'signups', ts: '2024-05-03T12:00:00Z', value: 8 }],
    });
    expect(pushed).toMatchObject({ written: 1, rejected: 0, replayed: false });
    const series = await client.api.series.query({
      key: 'signups',
      grain: 'month',
      from: '2024-05-01',
      to: '2024-05-31',
    });
    expect(series.points[0]!.value).toBe(50);

    // A full batch of 1,000 points over the plain HTTP route (well over the 100 kB page limit).
    const points = Array.from({ length: 1000 }, (_, i) => ({
      metric: 'signups',
      ts: new Date(Date.UTC(2023, 0, 1) + i * 3_600_000).toISOString(),
      value: i,
      note: 'x'.repeat(100),
    }));
    const body = JSON.stringify({ points });
    expect(body.length).toBeGreaterThan(100 * 1024);
    const res = await fetch(`${web.url}/api/v1/points`, {
      method: 'POST',
      body,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ written: 1000 });
    const tooBig = await fetch(`${web.url}/api/v1/points`, {
      method: 'POST',
      body: JSON.stringify({ points, pad: 'x'.repeat(1_100_000) }),
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    });
    expect(tooBig.status).toBe(413);
    const doc = await fetch(`${web.url}/api/v1/openapi.json`);
    expect(doc.status).toBe(200);
    expect(((await doc.json()) as { openapi: string }).openapi).toMatch(/^3\./);

    // A viewer of another organization's key cannot reach this one; a page without permission is 403.
    const denied = await client.api.series
      .query({ key: 'nope', from: '2024-05-01', to: '2024-05-31' })
      .catch((e: unknown) => e);
    expect((denied as TRPCClientError<AppRouter>).data?.httpStatus).toBe(404);
  });
});
