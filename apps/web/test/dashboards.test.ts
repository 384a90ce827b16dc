import { seedDemo } from '@mfiq/api/seed';
import type { TestDatabase } from '@mfiq/db/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postForm, signUpOverHttp, startBrowserSuite, type RunningWeb } from './harness.ts';

let tdb: TestDatabase;
let web: RunningWeb;
let browser: Browser;
let stopSuite: (() => Promise<void>) | undefined;
const DEMO_PASSWORD = 'demo password for the browser test';

beforeAll(async () => {
  ({
    tdb,
    web,
    browser,
    stop: stopSuite,
  } = await startBrowserSuite({ beforeWeb: (db) => seedDemo(db.owner, { password: DEMO_PASSWORD }) }));
}, 240_000);

afterAll(() => stopSuite?.());

/** Console errors (a CSP violation is one), warnings and uncaught exceptions of a page. */
function watch(page: Page) {
  const problems: string[] = [];
  page.on('console', (m) => {
    if ((m.type() === 'error' && !m.text().includes('status of 400')) || m.type() === 'warning')
      problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  return problems;
}

async function signedIn(cookie: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const [name, value] = cookie.split('=') as [string, string];
  await context.addCookies([{ name, value, url: web.url }]);
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return { context, page };
}

describe('dashboards in a real browser', () => {
  it('create a metric, enter values on its grid, put it on a dashboard and read the values off the chart', async () => {
    const user = await signUpOverHttp(web.url, 'dash', tdb);
    const { context, page } = await signedIn(user.cookie);
    const problems = watch(page);

    // A new organization: the friendly empty state, with the way forward.
    await page.goto(`${web.url}/orgs/${user.slug}`);
    expect(await page.getByRole('heading', { name: 'Your metrics will appear here' }).isVisible()).toBe(true);
    await page.getByRole('link', { name: 'Define your first metric' }).click();

    await page.getByLabel('Key').fill('signups');
    await page.getByLabel('Name').fill('Signups');
    await page.getByRole('button', { name: 'Create metric' }).click();
    await page.waitForURL(/\/metrics\/signups$/);
    const entries: [string, string][] = [
      ['2024-05-06', '12'],
      ['2024-05-07', '30'],
      ['2024-05-14', '7.5'],
    ];
    for (const [i, [date, value]] of entries.entries()) {
      await page.getByLabel(`New row ${i + 1} date`).fill(date);
      await page.getByLabel(`New row ${i + 1} value`).fill(value);
    }
    await page.getByRole('button', { name: 'Save values' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('3 values saved');

    // Metrics but no dashboard: the home page offers to create one.
    await page.goto(`${web.url}/orgs/${user.slug}`);
    await page.getByRole('link', { name: 'Create a dashboard' }).click();
    await page.getByLabel('Name').fill('Growth');
    await page.getByRole('button', { name: 'Create dashboard' }).click();
    await page.waitForURL(/\/dashboards\/[0-9a-f-]{36}$/);
    await page.getByLabel('Metric').selectOption('signups');
    await page.getByLabel('Show as').selectOption('bar');
    await page.getByRole('button', { name: 'Add tile' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('Tile added.');
    await page.getByLabel('Metric').selectOption('signups');
    await page.getByLabel('Show as').selectOption('number');
    await page.getByRole('button', { name: 'Add tile' }).click();
    await expect.poll(() => page.getByTestId('tile').count()).toBe(2);
    await page.screenshot({ path: '/tmp/mfiq-dashboard-edit.png', fullPage: true });

    // The first dashboard is the organization's home. Weekly bars over May 2024: the week of
    // May 6 holds 12 + 30, the week of May 13 holds 7.5.
    await page.goto(`${web.url}/orgs/${user.slug}?from=2024-05-06&to=2024-05-19&grain=week`);
    expect(await page.getByTestId('dashboard-name').textContent()).toBe('Growth');
    const bars = page.locator(
      '[data-testid=tile][data-metric=signups].tile--bar rect.chart__bar:not(.chart__bar--previous)',
    );
    expect(await bars.count()).toBe(2);
    expect(
      await bars.evaluateAll((els) =>
        els.map((e) => [
          e.getAttribute('data-period'),
          e.getAttribute('data-value'),
          e.querySelector('title')?.textContent,
        ]),
      ),
    ).toEqual([
      ['2024-05-06', '42', 'May 6, 2024: 42'],
      ['2024-05-13', '7.5', 'May 13, 2024: 7.5'],
    ]);
    // Taller bar for the larger value, and axis labels for both weeks.
    const heights = await bars.evaluateAll((els) => els.map((e) => Number(e.getAttribute('height'))));
    expect(heights[0]! / heights[1]!).toBeCloseTo(42 / 7.5, 1);
    const ticks = await page.locator('.tile--bar .chart__tick').allTextContents();
    expect(ticks).toEqual(expect.arrayContaining(['May 6', 'May 13']));
    // The number card: the range's total.
    expect(await page.locator('[data-testid=tile].tile--number [data-testid=tile-value]').textContent()).toBe('49.5');

    // The grain picker re-renders the chart by day, through the address.
    await page.getByLabel('Grain').selectOption('day');
    await page.waitForURL(/grain=day/);
    await expect
      .poll(() =>
        page
          .locator('.tile--bar rect.chart__bar[data-value]:not(.chart__bar--previous)')
          .evaluateAll((els) => els.map((e) => e.getAttribute('data-value'))),
      )
      .toEqual(['12', '30', '7.5']);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('the demo home dashboard renders every tile with data under the CSP, and a viewer cannot edit', async () => {
    const signIn = await postForm(web.url, '/login', { email: 'owner@demo.test', password: DEMO_PASSWORD });
    expect(signIn.status).toBe(302);
    const cookie = signIn.headers.getSetCookie()[0]!.split(';')[0]!;
    const { context, page } = await signedIn(cookie);
    const problems = watch(page);
    const res = await page.goto(`${web.url}/orgs/acme`);
    expect(res?.headers()['content-security-policy']).toContain("style-src 'self'");
    expect(await page.getByTestId('dashboard-name').textContent()).toBe('Company overview');
    const tiles = page.getByTestId('tile');
    expect(await tiles.count()).toBe(12);
    const values = await page.locator('[data-testid=tile-value]').allTextContents();
    expect(values.every((v) => v !== '—' && v.length > 0)).toBe(true);
    expect(await page.locator('.chart__line').count()).toBeGreaterThanOrEqual(2);
    expect(await page.locator('[data-testid=chart-target]').count()).toBeGreaterThanOrEqual(2);
    expect(await page.locator('[data-testid=chart-previous]').count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator('[style]').count()).toBe(0);
    // The stylesheet applies: tiles sit in a four-column grid, the charts' lines are not filled.
    expect(
      await page
        .getByTestId('dashboard-grid')
        .evaluate((e) => getComputedStyle(e).gridTemplateColumns.split(' ').length),
    ).toBe(4);
    expect(
      await page
        .locator('.chart__line')
        .first()
        .evaluate((e) => getComputedStyle(e).fill),
    ).toBe('none');
    await page.screenshot({ path: '/tmp/mfiq-dashboard-home.png', fullPage: true });
    await page.getByLabel('Date range').selectOption('12m');
    await page.waitForURL(/range=12m/);
    await page.getByLabel('Grain').selectOption('month');
    await page.waitForURL(/grain=month/);
    await expect.poll(() => page.locator('.tile--line').first().locator('circle.chart__dot').count()).toBe(12);
    await page.screenshot({ path: '/tmp/mfiq-dashboard-12m.png', fullPage: true });
    expect(problems).toEqual([]);
    await context.close();

    // A viewer sees the dashboard but no editing controls.
    const viewerLogin = await postForm(web.url, '/login', { email: 'viewer@demo.test', password: DEMO_PASSWORD });
    const viewer = await signedIn(viewerLogin.headers.getSetCookie()[0]!.split(';')[0]!);
    await viewer.page.goto(`${web.url}/orgs/acme`);
    await viewer.page.getByRole('link', { name: 'Open' }).click();
    await viewer.page.waitForURL(/\/dashboards\//);
    expect(await viewer.page.getByTestId('tile').count()).toBe(12);
    expect(await viewer.page.getByRole('button', { name: 'Add tile' }).count()).toBe(0);
    expect(await viewer.page.locator('.tile__actions').count()).toBe(0);
    await viewer.context.close();
  });
});
