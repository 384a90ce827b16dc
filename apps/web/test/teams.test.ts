import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { totpCode } from '@mfiq/auth';
import type { TestDatabase } from '@mfiq/db/testing';
import type { Browser, ConsoleMessage, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, signUpOverHttp, startBrowserSuite, startWorkerProcess, type RunningWeb } from './harness.ts';

let tdb: TestDatabase;
let web: RunningWeb;
let worker: { stop(): Promise<void> };
let browser: Browser;
let stopSuite: (() => Promise<void>) | undefined;
let mailbox: string;

beforeAll(async () => {
  mailbox = await mkdtemp(path.join(tmpdir(), 'mfiq-mailbox-'));
  // The dev mailbox exists only outside production (here the launcher's local mode), on loopback.
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

function watch(page: Page) {
  const problems: string[] = [];
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  return problems;
}

async function signInInBrowser(page: Page, email: string) {
  await page.goto(`${web.url}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describe('teams in the browser', () => {
  it('invite -> read the mail in the dev mailbox -> accept -> the viewer sees what a viewer may; then two-factor set-up and sign-in with it', async () => {
    const owner = await signUpOverHttp(web.url, 'teamowner', tdb, mailbox);
    const ownerCtx = await browser.newContext();
    const ownerPage = await ownerCtx.newPage();
    ownerPage.setDefaultTimeout(15_000);
    const ownerProblems = watch(ownerPage);
    await signInInBrowser(ownerPage, owner.email);
    await ownerPage.waitForURL(new RegExp(`/orgs/${owner.slug}$`));

    // The owner invites a viewer from the members page.
    const invitee = `invitee-${Date.now()}@example.com`;
    await ownerPage.getByRole('link', { name: 'Members' }).click();
    await ownerPage.waitForURL(/\/members$/);
    await ownerPage.getByLabel('Email').fill(invitee);
    await ownerPage.getByLabel('Role', { exact: true }).selectOption('viewer');
    await ownerPage.getByRole('button', { name: 'Send invitation' }).click();
    await expect
      .poll(() => ownerPage.getByRole('status').first().textContent())
      .toContain(`Invitation sent to ${invitee}`);
    expect(await ownerPage.getByTestId('invitations').textContent()).toContain(invitee);

    // The invitee reads the mail in the dev mailbox (the worker delivered it) and follows the link.
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    page.setDefaultTimeout(15_000);
    const problems = watch(page);
    await expect
      .poll(
        async () => {
          await page.goto(`${web.url}/dev/mailbox?to=${encodeURIComponent(invitee)}`);
          return page.getByTestId('mail').count();
        },
        { timeout: 30_000, interval: 500 },
      )
      .toBe(1);
    expect(await page.getByTestId('mail').textContent()).toContain('invited you to join');
    await page.getByTestId('mail').getByRole('link').first().click();
    await page.waitForURL(/\/invite\/[0-9a-f]{32}_[a-z2-7]{40}$/);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('Join');
    await page.getByLabel('Your name').fill('Vera Viewer');
    await page.getByLabel('Choose a password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create my account and join' }).click();
    await page.waitForURL(new RegExp(`/orgs/${owner.slug}$`));
    expect(await page.getByTestId('org-role').textContent()).toBe('viewer');

    // What a viewer may see: members (read-only), settings (read-only); not the security policy.
    await page.getByRole('link', { name: 'Members' }).click();
    await page.waitForURL(/\/members$/);
    expect(await page.getByTestId('members').textContent()).toContain(owner.email);
    expect(await page.getByRole('button', { name: 'Send invitation' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Remove' }).count()).toBe(0);
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.waitForURL(/\/settings$/);
    expect(await page.getByLabel('Organization name').isDisabled()).toBe(true);
    // In the organization navigation (the footer's public "Security" page link is for everyone).
    expect(await page.getByRole('navigation', { name: 'Organization' }).getByText('Security').count()).toBe(0);
    const forbidden = await page.goto(`${web.url}/orgs/${owner.slug}/security`);
    expect(forbidden?.status()).toBe(403);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('You do not have access to this');

    // The owner now sees the new member.
    await ownerPage.reload();
    expect(await ownerPage.getByTestId('members').textContent()).toContain(invitee);

    // Two-factor: set up from the account page, scanning the QR (here: reading the key beside it).
    await page.goto(`${web.url}/account`);
    expect(await page.getByTestId('two-factor-status').textContent()).toContain('Off');
    expect(await page.getByTestId('sessions').textContent()).toContain('this device');
    await page.getByRole('link', { name: 'Set up two-factor' }).click();
    await page.getByRole('button', { name: 'Start set-up' }).click();
    await expect.poll(() => page.locator('.qr svg').count()).toBe(1);
    const secret = (await page.getByTestId('totp-secret').textContent()) ?? '';
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await page.getByLabel('6-digit code').fill(totpCode(secret, new Date()));
    await page.getByRole('button', { name: 'Turn on two-factor' }).click();
    await expect.poll(() => page.getByTestId('recovery-codes').locator('li').count()).toBe(10);
    await page.screenshot({ path: '/tmp/mfiq-two-factor.png', fullPage: true });

    // Sign out, then sign in: the password alone is not enough.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/login$/);
    await signInInBrowser(page, invitee);
    await expect.poll(() => page.getByRole('heading', { name: 'Two-factor code' }).count()).toBe(1);
    // The set-up code's step is spent; the next step's code is within the accepted window.
    await page.getByLabel('Code', { exact: true }).fill(totpCode(secret, new Date(Date.now() + 30_000)));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL(new RegExp(`/orgs/${owner.slug}$`));
    expect(await page.getByTestId('org-role').textContent()).toBe('viewer');

    expect(problems.filter((p) => !p.includes('status of 403'))).toEqual([]);
    expect(ownerProblems).toEqual([]);
    await ctx.close();
    await ownerCtx.close();
  }, 180_000);
});
