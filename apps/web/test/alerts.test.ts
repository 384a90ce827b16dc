import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { withTenant } from '@mfiq/db';
import type { TestDatabase } from '@mfiq/db/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFromOrgNav, signUpOverHttp, startBrowserSuite, startWorkerProcess, type RunningWeb } from './harness.ts';

let tdb: TestDatabase;
let web: RunningWeb;
let browser: Browser;
let worker: { stop(): Promise<void>; output(): string } | undefined;
let stopSuite: (() => Promise<void>) | undefined;
let mailbox: string;

beforeAll(async () => {
  // The worker drains the outbox (sign-up mail included) into the dev mailbox, where the tests read it.
  mailbox = await mkdtemp(path.join(tmpdir(), 'mfiq-alerts-mailbox-'));
  ({
    tdb,
    web,
    browser,
    stop: stopSuite,
  } = await startBrowserSuite({ env: { APP_ENV: 'local', MAILBOX_ENABLED: '1', MAILBOX_DIR: mailbox } }));
  worker = await startWorkerProcess({ WORKER_DATABASE_URL: tdb.urls.worker, MAILBOX_DIR: mailbox });
}, 240_000);

afterAll(async () => {
  await worker?.stop();
  await stopSuite?.();
  await rm(mailbox, { recursive: true, force: true });
});

/** A user of their own who also joins the owner's organization with `role`. */
async function memberOf(ownerSlug: string, prefix: string, role: 'editor' | 'viewer') {
  const user = await signUpOverHttp(web.url, prefix, tdb, mailbox);
  const { tenantId } = await tdb.admin
    .selectFrom('organizations')
    .select('tenantId')
    .where('slug', '=', ownerSlug)
    .executeTakeFirstOrThrow();
  const { id: userId } = await tdb.admin
    .selectFrom('users')
    .select('id')
    .where('email', '=', user.email)
    .executeTakeFirstOrThrow();
  await withTenant(tdb.owner, { tenantId }, (trx) =>
    trx.insertInto('memberships').values({ tenantId, userId, role }).execute(),
  );
  return user;
}

async function signedIn(cookie: string): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const [name, value] = cookie.split('=') as [string, string];
  await context.addCookies([{ name, value, url: web.url }]);
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const problems: string[] = [];
  // Forms answer invalid input with 400 on purpose; the browser logs those loads, which are not problems.
  page.on('console', (m) =>
    m.type() === 'error' && !m.text().includes('status of 400') ? problems.push(m.text()) : undefined,
  );
  page.on('pageerror', (e) => problems.push(e.message));
  return { context, page, problems };
}

const bellCount = async (page: Page) => {
  const count = page.getByTestId('bell-count');
  return (await count.count()) ? ((await count.textContent()) ?? '').trim() : '0';
};

describe('alerts in the browser', () => {
  it('an editor creates a threshold rule; a value crossing it fires through the worker; the bell rises live; the inbox explains it; its page shows the alert with its in-app and mail deliveries; acknowledge clears it; a viewer sees rules read-only, mutes the rule from its page and keeps changed notification settings under /account', async () => {
    const owner = await signUpOverHttp(web.url, 'alertowner', tdb, mailbox);
    const editor = await memberOf(owner.slug, 'alerteditor', 'editor');
    const viewer = await memberOf(owner.slug, 'alertviewer', 'viewer');
    const base = `${web.url}/orgs/${owner.slug}`;

    const { context, page, problems } = await signedIn(editor.cookie);
    await page.goto(`${base}/metrics`);
    await page.getByLabel('Key').fill('revenue');
    await page.getByLabel('Name').fill('Revenue');
    await page.getByRole('button', { name: 'Create metric' }).click();
    await page.waitForURL(/\/metrics\/revenue$/);
    // The metric page renders after its address changes, and its render closes an open nav menu.
    await page.getByTestId('entry-grid').waitFor();

    // The rule, from the navigation's Alerts menu; the editor is a recipient by default.
    await openFromOrgNav(page, 'Alert rules', 'Alerts');
    await page.waitForURL(/\/alerts\/rules$/);
    await page.getByLabel('Name', { exact: true }).fill('Revenue over 100');
    await page.getByLabel('Metric').selectOption('revenue');
    await page.getByLabel('Period').selectOption('day');
    await page.getByLabel('Kind').selectOption('threshold');
    await page.getByLabel('When the value is').selectOption('above');
    // An invalid threshold is refused in the browser by the API's own schema before anything is sent.
    await page.getByRole('button', { name: 'Create rule' }).click();
    await expect.poll(() => page.locator('[id="condition.value-error"]').textContent()).toContain('number');
    await page.getByLabel('Threshold').fill('100');
    expect(await page.getByRole('checkbox', { name: /\(you\)/ }).isChecked()).toBe(true);
    // The live preview answers from history: no data yet, so it would never have fired.
    await expect.poll(() => page.getByTestId('rule-preview').textContent()).toMatch(/Never, over \d+ period/);
    await page.getByRole('button', { name: 'Create rule' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('Rule saved.');
    const row = page.getByTestId('rule-row').filter({ hasText: 'Revenue over 100' });
    expect(await row.textContent()).toContain('Watching');

    // A second tab sits on the overview: its bell must rise without a reload.
    const watcher = await context.newPage();
    watcher.setDefaultTimeout(15_000);
    await watcher.goto(base);
    expect(await bellCount(watcher)).toBe('0');
    await watcher.evaluate(() => ((window as unknown as { marker: number }).marker = 1));

    // A value crossing the threshold, entered in the metric's grid (points.upsert wakes the evaluator).
    const today = new Date().toISOString().slice(0, 10);
    await page.goto(`${base}/metrics/revenue`);
    await page.getByLabel('New row 1 date').fill(today);
    await page.getByLabel('New row 1 value').fill('150');
    await page.getByRole('button', { name: 'Save values' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('1 value saved');

    await expect.poll(() => bellCount(watcher), { timeout: 60_000, interval: 500 }).toBe('1');
    expect(await watcher.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(1);

    // The inbox explains the alert: rule, period, value, what it was compared with, a link to the metric.
    await watcher.getByTestId('bell').click();
    await watcher.waitForURL(/\/alerts$/);
    const item = watcher.getByTestId('inbox-item').first();
    const text = (await item.textContent()) ?? '';
    expect(text).toContain('Revenue over 100');
    expect(await item.getByTestId('alert-value').textContent()).toBe('150');
    expect(text).toContain('100');
    expect(await item.getAttribute('data-state')).toBe('firing');
    const link = item.getByRole('link', { name: /^Open Revenue at / });
    expect(await link.getAttribute('href')).toMatch(new RegExp(`^/orgs/${owner.slug}/metrics/revenue\\?`));

    // Its details: the rule's page, at this alert, with the alert's delivery log (in-app and mail).
    await item.getByRole('link', { name: /^Details/ }).click();
    await watcher.waitForURL(/\/alerts\/[0-9a-f-]{36}\?event=[0-9a-f-]{36}#event-[0-9a-f-]{36}$/);
    const eventId = new URL(watcher.url()).hash.slice('#event-'.length);
    await expect.poll(() => watcher.getByRole('heading', { level: 2, name: 'Revenue over 100' }).count()).toBe(1);
    expect(await watcher.getByTestId('rule-in-words').textContent()).toMatch(
      /Fires when Revenue is above 100 in a day/,
    );
    const event = watcher.locator(`#event-${eventId}`);
    expect(await event.getAttribute('data-state')).toBe('firing');
    expect(await event.getByTestId('alert-value').textContent()).toBe('150');
    expect(await event.getByTestId('alert-compared').textContent()).toBe('100');
    const delivery = (channel: string) => event.locator(`[data-testid="delivery"][data-channel="${channel}"]`);
    expect(await delivery('in_app').getAttribute('data-status')).toBe('delivered');
    expect(await delivery('in_app').textContent()).toContain('In-app');
    // The mail goes through the outbox, which the worker drains: queued, then delivered.
    expect(['queued', 'delivered']).toContain(await delivery('email').getAttribute('data-status'));
    expect(await delivery('email').textContent()).toMatch(/alerteditor/);
    await watcher.goBack();
    await watcher.waitForURL(/\/alerts$/);

    // Acknowledge: the alert is acknowledged for everyone and the editor's unread count goes to zero.
    await item.getByRole('button', { name: 'Acknowledge' }).click();
    await expect.poll(() => watcher.getByRole('status').first().textContent()).toContain('Alert acknowledged.');
    await expect.poll(() => bellCount(watcher)).toBe('0');
    expect(await watcher.getByTestId('inbox-unread').textContent()).toContain('Nothing unread.');
    expect(await watcher.getByTestId('inbox-item').first().getAttribute('data-state')).toBe('acknowledged');
    const acknowledged = await tdb.admin
      .selectFrom('alertEvents')
      .select(['state', 'acknowledgedBy'])
      .executeTakeFirstOrThrow();
    expect(acknowledged.state).toBe('acknowledged');
    expect(problems).toEqual([]);
    await context.close();

    // A viewer sees the rule, but no editor and no way to change it.
    const v = await signedIn(viewer.cookie);
    await v.page.goto(`${base}/alerts/rules`);
    expect(await v.page.getByTestId('rule-row').filter({ hasText: 'Revenue over 100' }).count()).toBe(1);
    expect(await v.page.getByRole('button', { name: 'Create rule' }).count()).toBe(0);
    expect(await v.page.getByRole('link', { name: 'Edit Revenue over 100' }).count()).toBe(0);
    expect(await v.page.getByRole('button', { name: /Pause|Delete/ }).count()).toBe(0);
    expect(await v.page.getByRole('heading', { name: 'Webhook channels' }).count()).toBe(0);
    expect(await v.page.getByText('only owners, admins and editors can change them').count()).toBe(1);
    expect(v.problems).toEqual([]);
    // Posting the form anyway is refused by the procedure (the browser logs that 403 itself).
    const status = await v.page.evaluate(async (url) => {
      const body = new URLSearchParams({ intent: 'pause', id: '00000000-0000-4000-8000-000000000000' });
      return (await fetch(url, { method: 'POST', body })).status;
    }, `${base}/alerts/rules`);
    expect(status).toBe(403);
    v.problems.length = 0; // that 403, logged by the browser, was the point

    // The viewer opens the rule from the list and mutes it for themselves...
    await v.page.getByTestId('rule-row').getByRole('link', { name: 'Revenue over 100' }).click();
    await v.page.waitForURL(/\/alerts\/[0-9a-f-]{36}$/);
    // The URL changes a moment before the page renders: wait for the page itself.
    await expect.poll(() => v.page.getByTestId('alert-event').count()).toBe(1);
    expect(await v.page.getByRole('link', { name: 'Edit rule' }).count()).toBe(0);
    await v.page.getByRole('button', { name: 'Mute for me' }).click();
    await expect.poll(() => v.page.getByTestId('my-mute').textContent()).toContain('Muted for you');

    // ...and finds it, with their mail and digest settings, under /account (no longer on the rules page).
    await v.page.goto(`${base}/alerts/rules`);
    expect(await v.page.getByRole('heading', { name: 'Your notifications' }).count()).toBe(0);
    await v.page.getByRole('link', { name: 'Your notification settings' }).click();
    await v.page.waitForURL(/\/account\/notifications$/);
    await v.page.goto(`${web.url}/account`);
    await v.page.getByRole('link', { name: 'Notification settings' }).click();
    await v.page.waitForURL(/\/account\/notifications$/);
    // The viewer belongs to two organizations (their own and the owner's): one block each.
    await expect.poll(() => v.page.getByTestId('org-notifications').count()).toBe(2);
    const block = v.page.locator(`#org-${owner.slug}`);
    expect(await block.getByTestId('mute-row').textContent()).toContain('Revenue over 100');
    const mail = block.getByRole('checkbox', { name: /Email me my alerts/ });
    expect(await mail.isChecked()).toBe(true);
    await mail.uncheck();
    await block.getByLabel('Digest').selectOption('weekly');
    await block.getByRole('button', { name: /^Save settings for/ }).click();
    await expect.poll(() => block.getByRole('status').first().textContent()).toContain('settings are saved');
    await v.page.reload();
    expect(
      await v.page
        .locator(`#org-${owner.slug}`)
        .getByRole('checkbox', { name: /Email me my alerts/ })
        .isChecked(),
    ).toBe(false);
    expect(await v.page.locator(`#org-${owner.slug}`).getByLabel('Digest').inputValue()).toBe('weekly');
    // The other organization's settings did not change.
    expect(await v.page.locator(`#org-${viewer.slug}`).getByLabel('Digest').inputValue()).toBe('off');
    expect(
      await v.page
        .locator(`#org-${viewer.slug}`)
        .getByRole('checkbox', { name: /Email me my alerts/ })
        .isChecked(),
    ).toBe(true);
    await v.page.locator(`#org-${owner.slug}`).getByRole('button', { name: 'Unmute Revenue over 100' }).click();
    await expect.poll(() => v.page.locator(`#org-${owner.slug}`).getByTestId('no-mutes').count()).toBe(1);
    expect(v.problems).toEqual([]);
    await v.context.close();
  }, 180_000);
});
