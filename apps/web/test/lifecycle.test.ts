import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { TestDatabase } from '@mfiq/db/testing';
import { withTenant } from '@mfiq/db';
import type { Browser, ConsoleMessage, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, signUpOverHttp, startBrowserSuite, type RunningWeb } from './harness.ts';

let tdb: TestDatabase;
let web: RunningWeb;
let browser: Browser;
let stopSuite: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ tdb, web, browser, stop: stopSuite } = await startBrowserSuite());
}, 240_000);
afterAll(async () => {
  await stopSuite?.();
});

function watch(page: Page) {
  const problems: string[] = [];
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  return problems;
}

async function signedIn(email: string): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const problems = watch(page);
  await page.goto(`${web.url}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/orgs\//);
  return { page, problems };
}

const tenantOf = async (slug: string) =>
  (await tdb.owner.selectFrom('organizations').select('tenantId').where('slug', '=', slug).executeTakeFirstOrThrow())
    .tenantId;

async function addMember(slug: string, role: 'admin' | 'viewer') {
  const member = await signUpOverHttp(web.url, role, tdb);
  const userId = (
    await tdb.owner.selectFrom('users').select('id').where('email', '=', member.email).executeTakeFirstOrThrow()
  ).id;
  const tenantId = await tenantOf(slug);
  await withTenant(tdb.owner, { tenantId }, (trx) =>
    trx.insertInto('memberships').values({ tenantId, userId, role }).execute(),
  );
  return member;
}

describe('organization lifecycle in the browser', () => {
  it('creates a second organization from the switcher, then moves it to a new address; old links still lead there', async () => {
    const owner = await signUpOverHttp(web.url, 'multi', tdb);
    const { page, problems } = await signedIn(owner.email);
    const first = `second-${randomUUID().slice(0, 6)}`;
    await page.getByTestId('org-switcher').locator('summary').click();
    await page.getByRole('link', { name: '+ Create an organization' }).click();
    await page.waitForURL(/\/organizations\/new$/);
    await page.getByLabel('Organization name').fill('Second Team');
    await page.getByLabel('Address (optional)').fill(first);
    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.waitForURL(new RegExp(`/orgs/${first}$`));
    expect(await page.getByTestId('org-name').textContent()).toBe('Second Team');
    await page.getByTestId('org-switcher').locator('summary').click();
    const listed = await page.getByTestId('org-switcher').locator('.switcher__item .switcher__name').allTextContents();
    expect(listed).toContain('Second Team');
    expect(listed.filter((n) => !n.startsWith('+'))).toHaveLength(2);

    // The owner moves it to a new address.
    const moved = `moved-${randomUUID().slice(0, 6)}`;
    await page.goto(`${web.url}/orgs/${first}/settings`);
    await page.getByRole('link', { name: /^Address/ }).click();
    await page.waitForURL(new RegExp(`/orgs/${first}/settings/address$`));
    await page.getByLabel('New address').fill(moved);
    await page.getByRole('button', { name: 'Change address' }).click();
    await page.waitForURL(new RegExp(`/orgs/${moved}/settings/address\\?changed=1$`));
    expect(await page.getByRole('status').first().textContent()).toContain('Address changed.');
    expect(await page.getByTestId('current-address').textContent()).toBe(`/orgs/${moved}`);
    // A bookmark to the old address lands on the same page at the new one.
    await page.goto(`${web.url}/orgs/${first}/dashboards`);
    await page.waitForURL(new RegExp(`/orgs/${moved}/dashboards$`));
    // Somebody else following the old link learns nothing.
    const outsider = await signUpOverHttp(web.url, 'outsider', tdb);
    const res = await fetch(`${web.url}/orgs/${first}/dashboards`, {
      redirect: 'manual',
      headers: { cookie: outsider.cookie },
    });
    expect(res.status).toBe(404);
    expect(problems).toEqual([]);
    await page.context().close();
  }, 120_000);

  it('deletes with a typed confirmation: the organization is locked and scheduled; an owner cancels it', async () => {
    const owner = await signUpOverHttp(web.url, 'deleter', tdb);
    const admin = await addMember(owner.slug, 'admin');
    const { page, problems } = await signedIn(owner.email);
    await page.goto(`${web.url}/orgs/${owner.slug}/settings`);
    await page.getByRole('link', { name: /^Delete organization/ }).click();
    await page.waitForURL(/\/settings\/delete$/);
    await page.getByLabel(`Type ${owner.slug} to confirm`).fill('not-the-address');
    await page.getByRole('button', { name: 'Delete this organization' }).click();
    await expect
      .poll(() => page.locator('#confirmSlug-error').textContent())
      .toBe(`Type ${owner.slug} exactly to confirm.`);
    await page.getByLabel(`Type ${owner.slug} to confirm`).fill(owner.slug);
    await page.getByRole('button', { name: 'Delete this organization' }).click();
    await page.waitForURL(new RegExp(`/orgs/${owner.slug}/deletion$`));
    await page.getByTestId('deletion-pending').waitFor();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('is scheduled for deletion');
    const due = await page.getByTestId('deletion-due').textContent();
    const inSevenDays = new Date(Date.now() + 7 * 86_400_000).toLocaleDateString('en-GB', {
      dateStyle: 'full',
      timeZone: 'UTC',
    });
    expect(due).toContain(inSevenDays);

    // Locked for everyone: any page of it leads to the schedule; an admin sees it but cannot cancel.
    await page.goto(`${web.url}/orgs/${owner.slug}/metrics`);
    await page.waitForURL(new RegExp(`/orgs/${owner.slug}/deletion$`));
    // The admin lands on their own organization first, then opens the shared one.
    const other = await signedIn(admin.email);
    await other.page.goto(`${web.url}/orgs/${owner.slug}`);
    await other.page.waitForURL(new RegExp(`/orgs/${owner.slug}/deletion$`));
    expect(await other.page.getByRole('button', { name: 'Cancel the deletion' }).count()).toBe(0);
    expect(await other.page.getByRole('note').textContent()).toContain('Only an owner can cancel the deletion');

    // The owner cancels: the organization opens again for everyone.
    await page.getByRole('button', { name: 'Cancel the deletion' }).click();
    await page.waitForURL(new RegExp(`/orgs/${owner.slug}\\?deletion=cancelled$`));
    // The URL changes before the organization's page has rendered.
    await page.getByTestId('org-name').waitFor();
    expect(await page.getByTestId('org-name').count()).toBe(1);
    await other.page.goto(`${web.url}/orgs/${owner.slug}/metrics`);
    await other.page.waitForURL(new RegExp(`/orgs/${owner.slug}/metrics$`));
    const tenantId = await tenantOf(owner.slug);
    const events = await tdb.admin
      .selectFrom('auditOutbox')
      .select('action')
      .where('tenantId', '=', tenantId)
      .where('action', 'like', 'organization.deletion_%')
      .orderBy('occurredAt')
      .execute();
    expect(events.map((e) => e.action)).toEqual(['organization.deletion_requested', 'organization.deletion_cancelled']);
    // The refused confirmation answered 400, which the browser logs; nothing else.
    expect(problems.filter((p) => !p.includes('status of 400'))).toEqual([]);
    expect(other.problems).toEqual([]);
    await page.context().close();
    await other.page.context().close();
  }, 120_000);

  it('an owner sets retention, sees the last verified restore, and downloads the evidence pack', async () => {
    const owner = await signUpOverHttp(web.url, 'keeper', tdb);
    const tenantId = await tenantOf(owner.slug);
    await withTenant(tdb.owner, { tenantId }, (trx) =>
      trx
        .insertInto('restoreDrills')
        .values({
          tenantId,
          backupId: randomUUID(),
          backupTakenAt: new Date('2026-12-05T02:30:00Z'),
          trigger: 'scheduled',
          status: 'passed',
          startedAt: new Date('2026-12-05T04:30:00Z'),
          finishedAt: new Date('2026-12-05T04:30:04Z'),
          tables: 23,
          rows: 4567,
        })
        .execute(),
    );
    const { page, problems } = await signedIn(owner.email);
    await page.goto(`${web.url}/orgs/${owner.slug}/settings/retention`);
    await page.getByLabel('Keep data points for (days)').fill('730');
    await page.getByLabel('Keep the audit log for (days)').fill('10');
    await page.getByRole('button', { name: 'Save retention' }).click();
    await expect.poll(() => page.locator('#auditRetentionDays-error').textContent()).toContain('at least 30 days');
    await page.getByLabel('Keep the audit log for (days)').fill('400');
    await page.getByRole('button', { name: 'Save retention' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('Retention saved.');
    const org = await tdb.admin
      .selectFrom('organizations')
      .select(['auditRetentionDays', 'dataRetentionDays'])
      .where('tenantId', '=', tenantId)
      .executeTakeFirstOrThrow();
    expect(org).toEqual({ auditRetentionDays: 400, dataRetentionDays: 730 });

    await page.goto(`${web.url}/orgs/${owner.slug}/backups`);
    expect(await page.getByTestId('last-verified-restore').textContent()).toMatch(
      /Last verified restore:.*5 Dec 2026.*23 tables and 4,567 rows/,
    );

    await page.goto(`${web.url}/orgs/${owner.slug}/security`);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download the evidence pack' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(new RegExp(`^${owner.slug}-security-evidence-\\d{8}-\\d{4}\\.zip$`));
    const bytes = await readFile((await download.path())!);
    expect(bytes.subarray(0, 2).toString()).toBe('PK');
    expect(bytes.includes(Buffer.from('rls-catalog.json'))).toBe(true);
    // The refused audit period answered 400, which the browser logs; nothing else.
    expect(problems.filter((p) => !p.includes('status of 400'))).toEqual([]);
    await page.context().close();
  }, 120_000);
});
