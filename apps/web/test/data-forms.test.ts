import type { TestDatabase } from '@mfiq/db/testing';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFromOrgNav, signUpOverHttp, startBrowserSuite, type RunningWeb } from './harness.ts';

/**
 * A public data form end to end in a real browser: an editor builds it, someone signed out opens
 * the link and answers (after a mistake the page points out), and the value shows on the metric's
 * page. Then the editor pauses the form and replaces its link: the old link is gone at once.
 */
const PUBLIC = 'https://metrics.example.test';
let tdb: TestDatabase;
let web: RunningWeb;
let browser: Browser;
let stopSuite: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({
    tdb,
    web,
    browser,
    stop: stopSuite,
  } = await startBrowserSuite({
    // Links handed out use the configured public address, not the one the editor's browser used.
    env: { PUBLIC_URL: PUBLIC },
  }));
}, 240_000);

afterAll(() => stopSuite?.());

describe('public data forms in the browser', () => {
  it('an editor creates a form, a signed-out person answers through its link, the value shows on the metric page', async () => {
    const user = await signUpOverHttp(web.url, 'forms', tdb);
    const editor = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const [name, value] = user.cookie.split('=') as [string, string];
    await editor.addCookies([{ name, value, url: web.url }]);
    const page = await editor.newPage();
    page.setDefaultTimeout(10_000);
    const problems: string[] = [];
    // Forms answer invalid input with 400 (and a gone link with 404) on purpose; the browser logs those loads.
    const watch = (p: typeof page) => {
      p.on('console', (m) =>
        m.type() === 'error' && !/status of (400|404)/.test(m.text()) ? problems.push(m.text()) : undefined,
      );
      p.on('pageerror', (e) => problems.push(e.message));
    };
    watch(page);

    await page.goto(`${web.url}/orgs/${user.slug}/metrics`);
    await page.getByLabel('Key').fill('leads');
    await page.getByLabel('Name').fill('Qualified leads');
    await page.getByRole('button', { name: 'Create metric' }).click();
    await page.waitForURL(/\/metrics\/leads$/);
    // The metric page renders after its address changes, and its render closes an open nav menu.
    await page.getByTestId('entry-grid').waitFor();

    await openFromOrgNav(page, 'Forms', 'Data');
    await page.waitForURL(/\/forms$/);
    await page.getByLabel('Name').fill('Friday numbers');
    await page.getByLabel('Instructions (optional)').fill('How did the week go?');
    await page.getByLabel(/Qualified leads/).check();
    await page.getByRole('button', { name: 'Create form' }).click();
    await page.waitForURL(/\/forms\/[0-9a-f-]{36}\?created=1$/);
    const shown = (await page.getByTestId('form-link').textContent())!.trim();
    expect(shown).toMatch(new RegExp(`^${PUBLIC}/f/[A-Za-z0-9_-]{43}$`));
    // This test's server is not at the public address: open the same path on it.
    const link = web.url + new URL(shown).pathname;
    // Labels are editable; the public page shows the label, not the metric key.
    await page.getByLabel('Label for Qualified leads').fill('New qualified leads this week');
    await page.getByLabel('Help text for Qualified leads').fill('Count each company once.');
    await page.getByRole('button', { name: 'Save the form' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('Form saved');
    await page.screenshot({ path: '/tmp/mfiq-form-editor.png', fullPage: true });

    // Someone without an account: a fresh browser context, no cookies.
    const visitor = await browser.newContext({ viewport: { width: 800, height: 900 } });
    const pub = await visitor.newPage();
    pub.setDefaultTimeout(10_000);
    watch(pub);
    await pub.goto(link);
    expect(await pub.getByRole('heading', { level: 1 }).textContent()).toBe('Friday numbers');
    expect(await pub.content()).not.toContain('leads</');
    const field = pub.getByLabel('New qualified leads this week');
    expect(await field.getAttribute('aria-describedby')).toContain('-hint');
    await field.fill('a dozen');
    await pub.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => pub.getByRole('alert').first().textContent()).toContain('Enter a number');
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    // A new form takes today's values only: the page names the day instead of offering a date.
    const date = /today, (\d{4}-\d{2}-\d{2})\./.exec((await pub.getByTestId('form-date').textContent())!)?.[1];
    expect(date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    await field.fill('17');
    await pub.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => pub.getByRole('status').first().textContent()).toContain('your answers were recorded');
    await pub.screenshot({ path: '/tmp/mfiq-public-form.png', fullPage: true });

    // The editor sees the value on the metric's page, and the answer counted on the form.
    await page.goto(`${web.url}/orgs/${user.slug}/metrics/leads`);
    expect(await page.getByLabel(`Value on ${date}`, { exact: true }).inputValue()).toBe('17');
    await page.goto(`${web.url}/orgs/${user.slug}/forms`);
    expect(await page.getByTestId('forms-table').textContent()).toMatch(/Friday numbers\s*open\s*1\s*1/);

    // Paused: the page says so and takes no answers. Resumed, then a new link: the old one is gone.
    await page.getByRole('link', { name: 'Friday numbers' }).click();
    await page.getByRole('button', { name: 'Pause the form' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('Form paused');
    await pub.goto(link);
    expect(await pub.getByRole('note').textContent()).toContain('paused');
    await page.getByRole('button', { name: 'Resume the form' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('Form resumed');
    await page.getByRole('button', { name: 'Create a new link' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('old link no longer works');
    // The action's message shows as soon as it answers; the page's data (the new link) follows.
    await expect.poll(async () => (await page.getByTestId('form-link').textContent())!.trim()).not.toBe(shown);
    const newShown = (await page.getByTestId('form-link').textContent())!.trim();
    expect(newShown).toMatch(new RegExp(`^${PUBLIC}/f/[A-Za-z0-9_-]{43}$`));
    const newLink = web.url + new URL(newShown).pathname;
    expect((await pub.goto(link))?.status()).toBe(404);
    expect((await pub.goto(newLink))?.status()).toBe(200);
    expect(await pub.getByLabel('New qualified leads this week').isVisible()).toBe(true);

    expect(problems).toEqual([]);
    await visitor.close();
    await editor.close();
  });
});
