import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { TestDatabase } from '@mfiq/db/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_CLAIMS, SECURITY_SECTIONS } from '@mfiq/evidence/claims';
import { signUpOverHttp, startBrowserSuite, WEB_DIR, type RunningWeb } from './harness.ts';

let tdb: TestDatabase;
let web: RunningWeb;
let browser: Browser;
let stopSuite: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ tdb, web, browser, stop: stopSuite } = await startBrowserSuite());
}, 240_000);

afterAll(() => stopSuite?.());

/** A page that collects console errors and failed requests, so a broken page cannot pass quietly. */
async function open(url: string): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('requestfailed', (r) => problems.push(`${r.url()} ${r.failure()?.errorText}`));
  await page.goto(url);
  await page.waitForLoadState('networkidle');
  return { page, problems };
}

/** Landmarks, one h1, and a label for every visible form control. */
async function checkStructure(page: Page) {
  expect(await page.locator('html').getAttribute('lang')).toBe('en');
  expect(await page.locator('main#main').count()).toBe(1);
  expect(await page.locator('h1').count()).toBe(1);
  const unlabeled = await page.$$eval('input:not([type=hidden]), select, textarea', (els) =>
    els
      .filter((el) => !(el.id && document.querySelector(`label[for="${el.id}"]`)))
      .map((el) => (el as HTMLInputElement).name),
  );
  expect(unlabeled).toEqual([]);
  // The stylesheet applied (same look as the app): the header and footer use it.
  expect(await page.locator('.site-header').evaluate((el) => getComputedStyle(el).display)).not.toBe('inline');
}

describe('public pages in a real browser', () => {
  it('the landing page shows the product to a signed-out visitor, with links to the trust pages', async () => {
    const { page, problems } = await open(`${web.url}/`);
    await checkStructure(page);
    expect(await page.locator('h1').textContent()).toContain('Every KPI against its target');
    for (const name of ['Security', 'Privacy', 'Subprocessors', 'Contact']) {
      expect(await page.locator('footer').getByRole('link', { name }).count()).toBe(1);
    }
    expect(problems).toEqual([]);
    await page.close();
  });

  it('a signed-in visitor to / still goes straight to their organization', async () => {
    const user = await signUpOverHttp(web.url, 'landing', tdb);
    const res = await fetch(`${web.url}/`, { redirect: 'manual', headers: { cookie: user.cookie } });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`/orgs/${user.slug}`);
  });

  it('/security shows every section and every claim from the claims module, and nothing else', async () => {
    const { page, problems } = await open(`${web.url}/security`);
    await checkStructure(page);
    expect(await page.locator('h2').allTextContents()).toEqual(SECURITY_SECTIONS.map((s) => s.title));
    const shown = await page.locator('[data-claim]').evaluateAll((els) =>
      els.map((el) => ({
        id: el.getAttribute('data-claim'),
        text: el.querySelector('.claim__text')?.textContent,
        proof: el.querySelector('.claim__proof code')?.textContent,
      })),
    );
    expect(shown).toEqual(ALL_CLAIMS.map((c) => ({ id: c.id, text: c.text, proof: c.proof.file })));
    // The table of contents leads to each section.
    await page
      .getByRole('navigation', { name: 'On this page' })
      .getByRole('link', { name: SECURITY_SECTIONS[2]!.title })
      .click();
    expect(page.url()).toMatch(new RegExp(`#${SECURITY_SECTIONS[2]!.id}$`));
    expect(problems).toEqual([]);
    await page.close();
  });

  it('/privacy and /subprocessors render; the subprocessors table is the configuration file', async () => {
    const privacy = await open(`${web.url}/privacy`);
    await checkStructure(privacy.page);
    expect(await privacy.page.locator('h1').textContent()).toBe('Privacy policy');
    expect(privacy.problems).toEqual([]);
    await privacy.page.close();

    const config = JSON.parse(await readFile(path.resolve(WEB_DIR, '../../config/subprocessors.json'), 'utf8')) as {
      updated: string;
      subprocessors: { name: string; purpose: string; when?: string }[];
    };
    const { page, problems } = await open(`${web.url}/subprocessors`);
    await checkStructure(page);
    const rows = await page
      .locator('table tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
    expect(rows.map((r) => r[0])).toEqual(config.subprocessors.map((s) => s.name));
    expect(rows.map((r) => r[1])).toEqual(config.subprocessors.map((s) => s.purpose));
    expect(await page.locator('time').getAttribute('datetime')).toBe(config.updated);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('/contact: a person fills the form and sends it; the message is stored', async () => {
    const { page, problems } = await open(`${web.url}/contact?topic=security`);
    await checkStructure(page);
    // The honeypot is in the form but out of sight and out of the tab order.
    const honeypot = page.locator('input[name="website"]');
    expect(await honeypot.count()).toBe(1);
    const box = await honeypot.boundingBox();
    expect(box === null || box.x + box.width <= 0).toBe(true);
    expect(await honeypot.getAttribute('tabindex')).toBe('-1');
    expect(await page.getByLabel('Topic').inputValue()).toBe('security');

    await page.getByLabel('Your name').fill('Grace Browser');
    await page.getByLabel('Email').fill('grace@example.com');
    await page.getByLabel('Message').fill('short');
    await page.getByRole('button', { name: 'Send message' }).click();
    await expect.poll(() => page.locator('#message-error').textContent()).toContain('at least 10');
    // The refused attempt came back with a fresh token: the corrected form goes through.
    await page.getByLabel('Message').fill('We would like to see your penetration test summary.');
    await page.getByRole('button', { name: 'Send message' }).click();
    await page.waitForURL(/\/contact\?sent=1$/);
    expect(await page.getByRole('status').textContent()).toContain('your message was sent');
    const stored = await tdb.owner
      .selectFrom('contactMessages')
      .selectAll()
      .where('email', '=', 'grace@example.com')
      .execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      name: 'Grace Browser',
      topic: 'security',
      message: 'We would like to see your penetration test summary.',
    });
    // The refused first attempt answered 400; Remix cancels its own in-flight revalidation when the
    // redirect navigates (ERR_ABORTED). Nothing else may complain.
    expect(problems.filter((p) => !p.includes('status of 400') && !p.endsWith('net::ERR_ABORTED'))).toEqual([]);
    await page.close();
  });
});
