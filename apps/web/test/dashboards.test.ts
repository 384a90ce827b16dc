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
// Navigations on a shared, busy machine: wait for the page rather than a fixed second.
const POLL = { timeout: 15_000 };

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

/** A tRPC call over HTTP as a browser of this origin would make it (superjson envelope). */
async function trpc<T>(cookie: string, path: string, input: unknown, method: 'GET' | 'POST' = 'POST'): Promise<T> {
  const res =
    method === 'POST'
      ? await fetch(`${web.url}/api/trpc/${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: web.url, cookie },
          body: JSON.stringify({ json: input }),
        })
      : await fetch(`${web.url}/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`, {
          headers: { cookie },
        });
  const body = (await res.json()) as { result?: { data: { json: T } }; error?: unknown };
  if (!res.ok || !body.result) throw new Error(`${path}: ${res.status} ${JSON.stringify(body.error)}`);
  return body.result.data.json;
}

async function demoCookie(email = 'owner@demo.test') {
  const res = await postForm(web.url, '/login', { email, password: DEMO_PASSWORD });
  return res.headers.getSetCookie()[0]!.split(';')[0]!;
}

async function signedIn(
  cookie: string,
  viewport = { width: 1280, height: 900 },
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport });
  if (cookie) {
    const [name, value] = cookie.split('=') as [string, string];
    await context.addCookies([{ name, value, url: web.url }]);
  }
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return { context, page };
}

/** A new dashboard of the demo organization with these tiles, through the API as the owner. */
async function demoBoard(
  cookie: string,
  name: string,
  tiles: { metricKey: string; kind: string; moreMetricKeys?: string[] }[],
) {
  const d = await trpc<{ id: string }>(cookie, 'dashboards.create', { slug: 'acme', name });
  for (const t of tiles) await trpc(cookie, 'dashboards.addTile', { slug: 'acme', dashboardId: d.id, ...t });
  return d.id;
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
    await expect.poll(() => page.getByRole('status').first().textContent(), POLL).toContain('3 values saved');

    // Metrics but no dashboard: the home page offers to create one.
    await page.goto(`${web.url}/orgs/${user.slug}`);
    await page.getByRole('link', { name: 'Create a dashboard' }).click();
    await page.getByLabel('Name').fill('Growth');
    await page.getByRole('button', { name: 'Create dashboard' }).click();
    await page.waitForURL(/\/dashboards\/[0-9a-f-]{36}$/);
    // Each tile has its own editor too: the "Add a tile" form is the one in its panel.
    const add = page.getByRole('region', { name: 'Add a tile' });
    await add.getByLabel('Metric').selectOption('signups');
    await add.getByLabel('Show as').selectOption('bar');
    await add.getByRole('button', { name: 'Add tile' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent(), POLL).toContain('Tile added.');
    await add.getByLabel('Metric').selectOption('signups');
    await add.getByLabel('Show as').selectOption('number');
    await add.getByRole('button', { name: 'Add tile' }).click();
    await expect.poll(() => page.getByTestId('tile').count(), POLL).toBe(2);
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
      .poll(
        () =>
          page
            .locator('.tile--bar rect.chart__bar[data-value]:not(.chart__bar--previous)')
            .evaluateAll((els) => els.map((e) => e.getAttribute('data-value'))),
        POLL,
      )
      .toEqual(['12', '30', '7.5']);
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);

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
    await expect.poll(() => page.locator('.tile--line').first().locator('circle.chart__dot').count(), POLL).toBe(12);
    await page.screenshot({ path: '/tmp/mfiq-dashboard-12m.png', fullPage: true });
    expect(problems).toEqual([]);
    await context.close();

    // A viewer sees the dashboard but no editing controls.
    const viewerLogin = await postForm(web.url, '/login', { email: 'viewer@demo.test', password: DEMO_PASSWORD });
    const viewer = await signedIn(viewerLogin.headers.getSetCookie()[0]!.split(';')[0]!);
    await viewer.page.goto(`${web.url}/orgs/acme`);
    await viewer.page.getByRole('link', { name: 'Open' }).click();
    await viewer.page.waitForURL(/\/dashboards\//);
    // The address changes a moment before the page renders: wait for the tiles themselves.
    await expect.poll(() => viewer.page.getByTestId('tile').count(), POLL).toBe(12);
    expect(await viewer.page.getByRole('button', { name: 'Add tile' }).count()).toBe(0);
    expect(await viewer.page.locator('.tile__actions').count()).toBe(0);
    await viewer.context.close();
  }, 120_000);

  it('edits a tile in place (four metrics, two axes), reorders by drag and keyboard, resizes, all without a reload', async () => {
    const cookie = await demoCookie();
    const id = await demoBoard(cookie, 'Editing', [
      { metricKey: 'revenue', kind: 'line' },
      { metricKey: 'new_signups', kind: 'number' },
      { metricKey: 'nps', kind: 'number' },
    ]);
    const { context, page } = await signedIn(cookie);
    const problems = watch(page);
    await page.goto(`${web.url}/orgs/acme/dashboards/${id}`);
    await page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
    const first = page.getByTestId('tile').first();
    await first.getByText('Edit tile').click();
    await first.getByLabel('Metric 2 (charts)').selectOption('mrr');
    await first.getByLabel('Metric 3 (charts)').selectOption('new_signups');
    await first.getByLabel('Metric 4 (charts)').selectOption('trials_started');
    await first.getByLabel('Compare with').selectOption('previous_year');
    await first.getByLabel('Title (optional)').fill('Revenue and growth');
    await first.getByRole('button', { name: 'Save tile' }).click();
    await expect.poll(() => page.locator('[data-metric=revenue] .chart__line').count(), POLL).toBe(4);
    const tile = page.locator('[data-metric=revenue]');
    expect(await tile.locator('.tile__title').textContent()).toBe('Revenue and growth');
    // Euros on the left, counts on the right, a legend entry per metric and the comparison.
    expect(await tile.locator('.chart__tick--right').count()).toBeGreaterThan(1);
    expect(await tile.locator('.legend__item').allTextContents()).toEqual([
      'Revenue',
      'MRR',
      'New signups (right axis)',
      'Trials started (right axis)',
      'Same period last year',
      'Target',
    ]);
    // Keyboard: the handle moves the tile with the arrow keys (through the tRPC client).
    const order = () => page.getByTestId('tile').evaluateAll((els) => els.map((e) => e.getAttribute('data-metric')));
    await page.getByRole('button', { name: /Reorder Revenue and growth/ }).press('ArrowRight');
    await expect.poll(order, POLL).toEqual(['new_signups', 'revenue', 'nps']);
    // Drag: nps onto the first tile.
    await page.locator('[data-metric=nps]').dragTo(page.getByTestId('tile').first());
    await expect.poll(order, POLL).toEqual(['nps', 'new_signups', 'revenue']);
    // Resize: a number card two columns wide.
    await page.getByRole('button', { name: 'Make NPS two columns wide' }).click();
    await expect.poll(() => page.locator('[data-metric=nps]').getAttribute('class'), POLL).toContain('tile--wide');
    // The class changes before the server answers (optimistic): reload once the mutation is done.
    await expect.poll(() => page.locator('.dashboard-grid--pending').count(), POLL).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    // The server has it all, and the audit trail too.
    await page.reload();
    expect(await order()).toEqual(['nps', 'new_signups', 'revenue']);
    expect(await page.locator('[data-metric=nps]').getAttribute('class')).toContain('tile--wide');
    const events = await tdb.admin
      .selectFrom('auditOutbox')
      .select('action')
      .where('targetId', '=', id)
      .orderBy('occurredAt')
      .execute();
    expect(events.map((e) => e.action)).toEqual(
      expect.arrayContaining(['dashboard.tile_updated', 'dashboard.tiles_reordered']),
    );
    await page.screenshot({ path: '/tmp/mfiq-dashboard-editing.png', fullPage: true });
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);

  it('a share link: signed out, only its dashboard, no referrer, framable only by its allow-list, revocable', async () => {
    const cookie = await demoCookie();
    const id = await demoBoard(cookie, 'Lobby', [{ metricKey: 'revenue', kind: 'number' }]);
    const { context, page } = await signedIn(cookie);
    await page.goto(`${web.url}/orgs/acme/dashboards/${id}`);
    const panel = page.getByTestId('share-panel');
    await panel.getByLabel('Label').fill('Lobby TV');
    await panel.getByLabel('Sites that may embed it (optional)').fill('https://intranet.example.com');
    await panel.getByRole('button', { name: 'Create link' }).click();
    const url = (await page.getByTestId('share-url').textContent({ timeout: 15_000 }))!;
    expect(url).toMatch(/\/d\/[A-Za-z0-9_-]{43}$/);
    const path = new URL(url).pathname;

    const res = await fetch(`${web.url}${path}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('content-security-policy')).toContain('frame-ancestors https://intranet.example.com');
    expect(res.headers.get('x-frame-options')).toBeNull();
    expect(res.headers.get('x-mfiq-frame-ancestors')).toBeNull();
    const html = await res.text();
    expect(html).toContain('Lobby');
    expect(html).not.toContain('Company overview');
    // Every other response keeps framing refused.
    const other = await fetch(`${web.url}/orgs/acme`, { headers: { cookie } });
    expect(other.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(other.headers.get('x-frame-options')).toBe('DENY');

    // Signed out in a browser: the dashboard alone, no navigation into the product.
    const visitor = await signedIn('');
    const problems = watch(visitor.page);
    await visitor.page.goto(`${web.url}${path}`);
    expect(await visitor.page.getByTestId('dashboard-name').textContent()).toBe('Lobby');
    expect(await visitor.page.getByTestId('tile').count()).toBe(1);
    expect(await visitor.page.locator('.site-header, .tabs').count()).toBe(0);
    expect(await visitor.page.locator('a[href^="/orgs"], a[href^="/login"]').count()).toBe(0);
    expect(problems).toEqual([]);

    // Revoked: the address answers 404 at once.
    await panel.getByRole('button', { name: 'Revoke Lobby TV' }).click();
    await expect.poll(async () => (await fetch(`${web.url}${path}`)).status, POLL).toBe(404);
    expect((await fetch(`${web.url}${path}`)).headers.get('referrer-policy')).toBe('no-referrer');
    await visitor.context.close();
    await context.close();
  }, 120_000);

  it('TV mode refreshes its data in the browser after a push, without a navigation', async () => {
    const cookie = await demoCookie();
    const id = await demoBoard(cookie, 'Live', [{ metricKey: 'support_tickets', kind: 'number' }]);
    await trpc(cookie, 'dashboards.update', { slug: 'acme', id, range: '7d', grain: 'day' });
    const { token } = await trpc<{ token: string }>(cookie, 'shares.create', {
      slug: 'acme',
      dashboardId: id,
      label: 'Wall',
    });
    const key = await trpc<{ token: string }>(cookie, 'apiKeys.create', {
      slug: 'acme',
      name: 'TV test',
      scopes: ['data:write'],
    });
    const tv = await signedIn('');
    const problems = watch(tv.page);
    await tv.page.goto(`${web.url}/d/${token}?tv=1&every=5`);
    await tv.page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
    const value = () => tv.page.getByTestId('tile-value').textContent();
    const before = await value();
    expect(await tv.page.getByTestId('updated-ago').textContent()).toMatch(/Updated \d+ s ago/);
    const push = await fetch(`${web.url}/api/v1/points`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ points: [{ metric: 'support_tickets', ts: new Date().toISOString(), value: 100_000 }] }),
    });
    expect(push.status).toBe(200);
    await expect.poll(value, { timeout: 30_000 }).not.toBe(before);
    expect(await tv.page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
    expect(await tv.page.evaluate(() => performance.getEntriesByType('navigation').length)).toBe(1);
    await tv.page.screenshot({ path: '/tmp/mfiq-dashboard-tv.png', fullPage: true });
    expect(problems).toEqual([]);
    await tv.context.close();
  }, 120_000);

  it('member TV mode rotates between the chosen dashboards and refreshes through /api/trpc, paused while the tab is hidden', async () => {
    const cookie = await demoCookie();
    const one = await demoBoard(cookie, 'Wall one', [{ metricKey: 'support_tickets', kind: 'number' }]);
    const two = await demoBoard(cookie, 'Wall two', [{ metricKey: 'support_tickets', kind: 'line' }]);
    const open = async (query: string) => {
      const tv = await signedIn(cookie);
      const problems = watch(tv.page);
      const reads: string[] = [];
      tv.page.on('request', (r) => {
        if (r.url().includes('/api/trpc/') && r.url().includes('dashboards.get')) reads.push(r.url());
      });
      await tv.page.goto(`${web.url}/orgs/acme/tv?${query}`);
      await tv.page.evaluate(() => ((window as unknown as { __sameDocument: boolean }).__sameDocument = true));
      return { ...tv, problems, reads };
    };
    const sameDocument = (page: Page) =>
      page.evaluate(() => ({
        same: (window as unknown as { __sameDocument?: boolean }).__sameDocument,
        navigations: performance.getEntriesByType('navigation').length,
      }));

    // Two dashboards: each shows in turn, read by the browser's client, in the same document.
    const wall = await open(`ids=${one},${two}&every=5&refresh=30`);
    const name = () => wall.page.getByTestId('dashboard-name').textContent();
    expect(await name()).toBe('Wall one');
    await expect.poll(name, { timeout: 30_000 }).toBe('Wall two');
    await expect.poll(name, { timeout: 30_000 }).toBe('Wall one');
    expect(wall.reads.some((u) => u.includes(two))).toBe(true);
    expect(await sameDocument(wall.page)).toEqual({ same: true, navigations: 1 });
    expect(wall.problems).toEqual([]);
    await wall.context.close();

    // One dashboard refreshing every 5 s: no read while the tab is hidden, one as soon as it shows.
    const solo = await open(`ids=${one}&refresh=5`);
    await expect.poll(() => solo.reads.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
    const setHidden = (hidden: boolean) =>
      solo.page.evaluate((h) => {
        Object.defineProperty(document, 'visibilityState', {
          configurable: true,
          get: () => (h ? 'hidden' : 'visible'),
        });
        Object.defineProperty(document, 'hidden', { configurable: true, get: () => h });
        document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
      }, hidden);
    await setHidden(true);
    await solo.page.waitForTimeout(1_000); // a read already on its way may still land
    const whileHidden = solo.reads.length;
    await solo.page.waitForTimeout(12_000); // more than two refresh intervals
    expect(solo.reads.length).toBe(whileHidden);
    await setHidden(false);
    await expect.poll(() => solo.reads.length, { timeout: 15_000 }).toBeGreaterThan(whileHidden);
    expect(await sameDocument(solo.page)).toEqual({ same: true, navigations: 1 });
    expect(solo.problems).toEqual([]);
    await solo.context.close();
  }, 120_000);

  it('exports of a tile and of a metric: CSV neutralizes formulas, PNG is a valid image of the right size, SVG is drawn on the server', async () => {
    const cookie = await demoCookie();
    await trpc(cookie, 'metrics.create', { slug: 'acme', key: 'formula_bait', name: '=HYPERLINK("http://x","y")' });
    await trpc(cookie, 'points.upsert', {
      slug: 'acme',
      key: 'formula_bait',
      points: [
        { date: '2024-05-06', value: -35 },
        { date: '2024-05-13', value: 12 },
      ],
    });
    const id = await demoBoard(cookie, 'Exports', [{ metricKey: 'formula_bait', kind: 'bar' }]);
    const board = await trpc<{ tiles: { id: string }[] }>(cookie, 'dashboards.get', { slug: 'acme', id }, 'GET');
    const tileId = board.tiles[0]!.id;
    const get = (format: string) =>
      fetch(
        `${web.url}/orgs/acme/dashboards/${id}/export?tile=${tileId}&format=${format}&from=2024-05-06&to=2024-05-19&grain=week`,
        { headers: { cookie } },
      );
    const csv = await get('csv');
    expect(csv.headers.get('content-disposition')).toMatch(/attachment; filename=".+\.csv"/);
    const text = await csv.text();
    const [header, ...rows] = text.trim().split('\r\n');
    expect(header).toContain(`"'=HYPERLINK(""http://x"",""y"") (formula_bait)"`);
    expect(rows).toEqual([
      expect.stringMatching(/^2024-05-06,2024-05-12,false,-35,/),
      expect.stringMatching(/^2024-05-13,2024-05-19,false,12,/),
    ]);
    const png = Buffer.from(await (await get('png')).arrayBuffer());
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1280, 628]);
    const svg = await (await get('svg')).text();
    expect(svg).toMatch(/^<\?xml[^>]*>\n<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain('data-value="-35"');
    expect(svg).not.toMatch(/<script|on[a-z]+=/i);
    // The metric's own export: the same safe cells, and its chart as an image.
    const metricExport = (format: string) =>
      fetch(
        `${web.url}/orgs/acme/metrics/formula_bait/export?format=${format}&from=2024-05-06&to=2024-05-19&grain=week`,
        {
          headers: { cookie },
        },
      );
    const metricCsv = await metricExport('csv');
    expect(metricCsv.headers.get('content-disposition')).toMatch(/attachment; filename=".+\.csv"/);
    const [metricHeader, ...metricRows] = (await metricCsv.text()).trim().split('\r\n');
    expect(metricHeader).toContain(`"'=HYPERLINK(""http://x"",""y"") (formula_bait)"`);
    expect(metricRows).toEqual([
      expect.stringMatching(/^2024-05-06,2024-05-12,false,-35,/),
      expect.stringMatching(/^2024-05-13,2024-05-19,false,12,/),
    ]);
    const metricPng = Buffer.from(await (await metricExport('png')).arrayBuffer());
    expect(metricPng.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    // Another organization's member gets a 404 for the same addresses.
    const outsider = await signUpOverHttp(web.url, 'export-outsider', tdb);
    expect((await fetch((await get('csv')).url, { headers: { cookie: outsider.cookie } })).status).toBe(404);
    expect((await fetch(metricCsv.url, { headers: { cookie: outsider.cookie } })).status).toBe(404);
  }, 120_000);

  it('the metric page shows its chart with target, previous period and notes above the table', async () => {
    const cookie = await demoCookie();
    const { context, page } = await signedIn(cookie);
    const problems = watch(page);
    await page.goto(`${web.url}/orgs/acme/metrics/new_signups?grain=month`);
    const chart = page.getByTestId('metric-chart');
    expect(await chart.locator('[data-testid=chart-target]').count()).toBe(1);
    expect(await chart.locator('[data-testid=chart-previous]').count()).toBe(1);
    const box = async (sel: string) => (await page.locator(sel).first().boundingBox())!.y;
    expect(await box('[data-testid=metric-chart]')).toBeLessThan(await box('[data-testid=series-table]'));
    const notes = page.getByTestId('notes-panel');
    const day = await notes.getByLabel('Date').inputValue();
    await notes.getByLabel('Note').fill('Spring campaign');
    await notes.getByRole('button', { name: 'Add note' }).click();
    await expect.poll(() => chart.locator('[data-testid=chart-note]').count(), POLL).toBe(1);
    expect(await chart.locator('[data-testid=chart-note] title').textContent()).toBe(`${day}: Spring campaign`);
    await page.screenshot({ path: '/tmp/mfiq-metric-chart.png', fullPage: true });
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);

  it('at 390 px the dashboard and its editor fit: no sideways scroll, tap targets of 44 px', async () => {
    const cookie = await demoCookie();
    const { context, page } = await signedIn(cookie, { width: 390, height: 844 });
    for (const path of ['/orgs/acme', `/orgs/acme/dashboards`]) {
      await page.goto(`${web.url}${path}`);
      if (path.endsWith('dashboards')) {
        await page.getByRole('link', { name: 'Company overview' }).click();
        // The checks below read the whole page: wait until it is the dashboard, not the list.
        await page.getByTestId('dashboard-name').waitFor();
      }
      await page.waitForLoadState('networkidle');
      // Nothing of the page sticks out sideways (offenders are named, to find them). The
      // organization's navigation is left out: its closed menus are laid out off to the side, and
      // its phone layout has its own check (a11y.test.ts: the page never scrolls sideways).
      const wide = await page.evaluate(() =>
        [...document.querySelectorAll('body *')]
          .filter((e) => e.getBoundingClientRect().right > 391 && !e.closest('.org-nav'))
          .slice(0, 5)
          .map((e) => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`),
      );
      expect(wide, path).toEqual([]);
      expect(await page.evaluate(() => document.documentElement.scrollWidth), path).toBeLessThanOrEqual(390);
      const small = await page.locator('.dashboard').evaluate((root) =>
        [...root.querySelectorAll('button, select, input:not([type=checkbox]), a, summary, label.checkbox')]
          .filter((e) => (e as HTMLElement).offsetParent !== null)
          .map((e) => ({ e, r: e.getBoundingClientRect() }))
          .filter(({ r }) => r.height < 44 || r.width < 44)
          .map(({ e }) => `${e.tagName} ${e.getAttribute('aria-label') ?? e.textContent?.trim().slice(0, 30)}`),
      );
      expect(small, path).toEqual([]);
    }
    await page.screenshot({ path: '/tmp/mfiq-dashboard-390.png', fullPage: true });
    await context.close();
  }, 120_000);
});
