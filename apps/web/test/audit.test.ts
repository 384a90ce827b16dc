import { readFile } from 'node:fs/promises';
import { withTenant } from '@mfiq/db';
import type { TestDatabase } from '@mfiq/db/testing';
import { drainAll } from '@mfiq/worker';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkFromOutbox, PASSWORD, startBrowserSuite, type RunningWeb } from './harness.ts';

let tdb: TestDatabase;
let web: RunningWeb;
let browser: Browser;
let stopSuite: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ tdb, web, browser, stop: stopSuite } = await startBrowserSuite());
}, 240_000);

afterAll(() => stopSuite?.());

async function signUp(page: Page, name: string, org: string): Promise<string> {
  const email = `${name.toLowerCase().replace(/\W/g, '')}-${Date.now()}@example.com`;
  await page.goto(`${web.url}/signup`);
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('Work email').fill(email);
  await page.getByLabel('Organization name').fill(org);
  await page.getByRole('button', { name: 'Create organization' }).click();
  // Sign-up finishes from the confirmation link in the mail, where the password is chosen.
  await page.getByRole('heading', { name: 'Check your email' }).waitFor();
  await page.goto(`${web.url}${await linkFromOutbox(tdb, email, '/signup/confirm')}`);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Create my organization' }).click();
  await page.waitForURL(/\/orgs\/[a-z0-9-]+$/);
  return new URL(page.url()).pathname.split('/')[2]!;
}

describe('audit page', () => {
  it('an owner browses, filters, expands, follows history links and exports (audited); a viewer cannot; bad filters are 400', async () => {
    const context = await browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const slug = await signUp(page, 'Audra Owner', 'Audit Works');

    await page.goto(`${web.url}/orgs/${slug}/settings`);
    await page.getByLabel('Organization name').fill('Audit Works Renamed');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => page.getByText('Settings saved.').isVisible()).toBe(true);
    await drainAll(tdb.worker);

    // History link from the settings page: the log filtered to the organization.
    await page.reload();
    await page.getByRole('link', { name: 'History of these settings' }).click();
    await page.waitForURL(/\/audit\?targetType=organization$/);
    expect(await page.getByTestId('chain-badge').textContent()).toMatch(/^Verified: 3 events/);
    const rows = page.getByTestId('audit-table').locator(':scope > tbody > tr');
    expect(await rows.count()).toBe(2); // organization.updated, organization.created
    expect(await rows.first().textContent()).toContain('organization.updated');
    await rows.first().locator('summary').click();
    const diff = await rows.first().locator('.audit__diff').textContent();
    expect(diff).toContain('Audit Works');
    expect(diff).toContain('Audit Works Renamed');

    // Filter by action through the form.
    await page.goto(`${web.url}/orgs/${slug}/audit`);
    await page.getByLabel('Action').selectOption('member.added');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/action=member.added/);
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('member.added');

    // Bad filters: 400 with the message on the page.
    for (const [query, message] of [
      ['cursor=%21%21', /Cursor is malformed/],
      ['from=1900-01-01&to=2030-01-01', /between 2000 and 2100/],
      ['from=2020-01-01&to=2026-01-01', /at most 366 days/],
      ['action=metric.exploded', /known actions/],
    ] as const) {
      const res = await page.goto(`${web.url}/orgs/${slug}/audit?${query}`);
      expect(res?.status(), query).toBe(400);
      expect(await page.getByTestId('filter-error').textContent()).toMatch(message);
    }

    // Export the filtered view as CSV: a download, and an audit event of its own.
    await page.goto(`${web.url}/orgs/${slug}/audit?targetType=organization`);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'CSV' }).click(),
    ]);
    const csv = await readFile((await download.path())!, 'utf8');
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toMatch(/^sequence,occurred_at,action/);
    expect(lines.slice(1).map((l) => l.split(',')[2])).toEqual(['organization.updated', 'organization.created']);
    const [nd] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'NDJSON' }).click(),
    ]);
    const events = (await readFile((await nd.path())!, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { action: string });
    expect(events.map((e) => e.action)).toEqual(['organization.updated', 'organization.created']);
    await drainAll(tdb.worker);
    await page.goto(`${web.url}/orgs/${slug}/audit?action=audit.exported`);
    expect(await rows.count()).toBe(2);

    // A viewer: no tab, 403 on the page and on the export.
    const viewerPage = await (await browser.newContext()).newPage();
    const viewerSlug = await signUp(viewerPage, 'Vic Viewer', 'Viewer Own Org');
    const tenantId = (
      await tdb.owner.selectFrom('organizations').select('tenantId').where('slug', '=', slug).executeTakeFirstOrThrow()
    ).tenantId;
    const viewerId = (
      await tdb.admin
        .selectFrom('memberships')
        .select('userId')
        .innerJoin('organizations', 'organizations.tenantId', 'memberships.tenantId')
        .where('slug', '=', viewerSlug)
        .executeTakeFirstOrThrow()
    ).userId;
    await withTenant(tdb.owner, { tenantId }, (trx) =>
      trx.insertInto('memberships').values({ tenantId, userId: viewerId, role: 'viewer' }).execute(),
    );
    await viewerPage.goto(`${web.url}/orgs/${slug}`);
    expect(await viewerPage.getByRole('link', { name: 'Audit log' }).count()).toBe(0);
    expect((await viewerPage.goto(`${web.url}/orgs/${slug}/audit`))?.status()).toBe(403);
    const exportStatus = await viewerPage.evaluate(async (url) => {
      const res = await fetch(url, { method: 'POST', body: new URLSearchParams({ format: 'csv' }) });
      return res.status;
    }, `${web.url}/orgs/${slug}/audit/export`);
    expect(exportStatus).toBe(403);
    // The viewer's own organization: owner there, so its log is theirs and never shows the other's events.
    await viewerPage.goto(`${web.url}/orgs/${viewerSlug}/audit?action=organization.updated`);
    expect(await viewerPage.getByTestId('audit-empty').isVisible()).toBe(true);
  }, 120_000);
});
