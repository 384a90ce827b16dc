import type { TestDatabase } from '@mfiq/db/testing';
import { withTenant } from '@mfiq/db';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger, createMailer, startWorker, type WorkerHandle } from '@mfiq/worker';
import type { Browser, ConsoleMessage, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFromOrgNav, signUpOverHttp, startBrowserSuite, type RunningWeb } from './harness.ts';

let tdb: TestDatabase;
let web: RunningWeb;
let worker: WorkerHandle;
let browser: Browser;
let stopSuite: (() => Promise<void>) | undefined;
let mailbox: string;

beforeAll(async () => {
  ({ tdb, web, browser, stop: stopSuite } = await startBrowserSuite({ env: { IMPORT_MAX_MB: '1' } }));
  // The worker also delivers the sign-up mail: into a mailbox of this test's own.
  mailbox = await mkdtemp(path.join(tmpdir(), 'mfiq-mailbox-'));
  worker = await startImportWorker();
}, 240_000);

function startImportWorker() {
  const mailer = createMailer({ smtpUrl: null, from: 'MFIQ <no-reply@example.test>', mailboxDir: mailbox });
  return startWorker({
    connectionString: tdb.urls.worker,
    concurrency: 1,
    logger: createLogger('silent'),
    crontab: '',
    pollInterval: 200,
    mailer,
  });
}

afterAll(async () => {
  await worker?.stop();
  await stopSuite?.();
  if (mailbox) await rm(mailbox, { recursive: true, force: true });
});

function watch(page: Page) {
  const problems: string[] = [];
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  return problems;
}

// 5,000 rows, two metrics, one unknown metric row and one bad value.
const ROWS = 5_000;
function csvFile(): Buffer {
  const lines = ['metric,day,value'];
  for (let i = 0; i < ROWS; i++)
    lines.push(
      `${i % 2 ? 'signups' : 'revenue'},${new Date(Date.UTC(2020, 0, 1) + Math.floor(i / 2) * 86_400_000).toISOString().slice(0, 10)},${i}`,
    );
  lines[3] = 'ghost,2020-01-02,1';
  lines[10] = 'revenue,2020-01-05,n/a';
  return Buffer.from(`${lines.join('\n')}\n`);
}

describe('CSV import page in a browser', () => {
  it('uploads a file, maps its columns, previews, and shows progress to completion with rejected rows', async () => {
    const user = await signUpOverHttp(web.url, 'csv', tdb, mailbox);
    const org = await tdb.owner
      .selectFrom('organizations')
      .select('tenantId')
      .where('slug', '=', user.slug)
      .executeTakeFirstOrThrow();
    await withTenant(tdb.owner, { tenantId: org.tenantId }, (trx) =>
      trx
        .insertInto('metrics')
        .values([
          { tenantId: org.tenantId, key: 'revenue', name: 'Revenue' },
          { tenantId: org.tenantId, key: 'signups', name: 'Signups' },
        ])
        .execute(),
    );
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addCookies(
      user.setCookie.map((c) => {
        const [pair] = c.split(';');
        const [name, ...value] = pair!.split('=');
        return { name: name!, value: value.join('='), url: web.url };
      }),
    );
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const problems = watch(page);

    await page.goto(`${web.url}/orgs/${user.slug}`);
    await openFromOrgNav(page, 'Import CSV', 'Data');
    await page.waitForURL(/\/imports$/);
    await page
      .getByLabel('CSV file', { exact: true })
      .setInputFiles({ name: 'daily.csv', mimeType: 'text/csv', buffer: csvFile() });
    await page.getByRole('button', { name: 'Upload and map columns' }).click();
    await page.waitForURL(/\/imports\/[0-9a-f-]{36}$/);
    await page.getByRole('heading', { name: 'daily.csv' }).waitFor();

    // The guess finds metric and value; the date column needs choosing, and a format without
    // offsets needs a timezone: the preview says so next to the field.
    await page.getByLabel('Timestamp column').selectOption('day');
    await page.getByLabel('Timestamp format').selectOption('ymd');
    await page.getByRole('button', { name: 'Preview' }).click();
    await expect.poll(() => page.locator('#timezone-error').textContent()).toMatch(/choose the timezone/);
    await page.getByLabel('Timezone of local times').selectOption('Europe/Berlin');
    await page.getByRole('button', { name: 'Preview' }).click();
    const preview = page.getByTestId('preview');
    await preview.waitFor();
    expect(await preview.locator('tbody tr').count()).toBe(20);
    expect(await preview.locator('tbody tr').nth(0).textContent()).toContain('2019-12-31T23:00:00.000Z');
    expect(await preview.locator('tr.table__row--error').first().textContent()).toContain('Unknown metric key "ghost"');
    await page.screenshot({ path: '/tmp/mfiq-import-preview.png', fullPage: true });

    // The worker is held back until the page shows the import queued, so the progress that follows
    // is seen arriving: from imports.get over /api/trpc into this same document (a mark left on the
    // window survives to the end, and the page never navigates again).
    await worker.stop();
    await page.getByRole('button', { name: 'Start import' }).click();
    await expect.poll(() => page.getByTestId('import-status').textContent()).toBe('Queued');
    await page.evaluate(() => Object.assign(window, { importPageMark: 'still here' }));
    let navigations = 0;
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigations++;
    });
    const polls: string[] = [];
    page.on('request', (req) => {
      if (new URL(req.url()).pathname.startsWith('/api/trpc/imports.get')) polls.push(req.method());
    });
    await expect.poll(() => polls.length).toBeGreaterThan(0);
    worker = await startImportWorker();
    await expect.poll(() => page.getByTestId('import-status').textContent(), { timeout: 120_000 }).toBe('Completed');
    expect(await page.evaluate(() => (window as unknown as { importPageMark?: string }).importPageMark)).toBe(
      'still here',
    );
    expect(navigations).toBe(0);
    expect(polls.every((m) => m === 'GET')).toBe(true);
    expect(await page.getByTestId('import-progress').getAttribute('value')).toBe('100');
    expect(await page.getByTestId('rows-written').textContent()).toBe((ROWS - 2).toLocaleString('en-US'));
    expect(await page.getByTestId('rows-failed').textContent()).toBe('2');
    const errors = page.getByTestId('import-errors');
    expect(await errors.locator('tbody tr').nth(0).textContent()).toContain('Unknown metric key "ghost"');
    expect(await errors.locator('tbody tr').nth(1).textContent()).toMatch(/^11.*"n\/a" is not a number/);
    await page.screenshot({ path: '/tmp/mfiq-import-done.png', fullPage: true });

    // The rejected rows download as CSV, with line numbers.
    const href = await page.getByTestId('errors-download').getAttribute('href');
    const download = await page.request.get(`${web.url}${href}`);
    expect(download.headers()['content-type']).toContain('text/csv');
    expect(await download.text()).toBe(
      'line,message\r\n4,"Unknown metric key ""ghost"""\r\n11,"Value ""n/a"" is not a number (use a dot for decimals, no thousands separators)"\r\n',
    );

    // The same file again: the page says it was already imported.
    await page.goto(`${web.url}/orgs/${user.slug}/imports`);
    await page
      .getByLabel('CSV file', { exact: true })
      .setInputFiles({ name: 'daily-again.csv', mimeType: 'text/csv', buffer: csvFile() });
    await page.getByRole('button', { name: 'Upload and map columns' }).click();
    await page.waitForURL(/\/imports\/[0-9a-f-]{36}$/);
    expect(await page.getByTestId('already-imported').textContent()).toMatch(
      /already imported.*daily\.csv.*changes nothing/s,
    );
    expect(problems).toEqual([]);
    await context.close();
  });

  it('a file over the upload limit gets a clear 413 message, and the 100 kB limit still applies elsewhere', async () => {
    const user = await signUpOverHttp(web.url, 'big', tdb, mailbox);
    const big = Buffer.alloc(1024 * 1024 + 200 * 1024, 'revenue,2020-01-01,1\n');
    const form = new FormData();
    form.append('file', new Blob([big], { type: 'text/csv' }), 'big.csv');
    const res = await fetch(`${web.url}/orgs/${user.slug}/imports`, {
      method: 'POST',
      body: form,
      headers: { cookie: user.cookie, origin: web.url },
    });
    expect(res.status).toBe(413);
    expect(await res.text()).toMatch(/larger than the 1 MB upload limit/);
    // Without a declared length the stream is counted: still refused, with the procedure's message.
    const chunked = await fetch(`${web.url}/orgs/${user.slug}/imports`, {
      method: 'POST',
      body: new Blob([
        `--b\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\nContent-Type: text/csv\r\n\r\nmetric,ts,value\n`,
        big,
        '\r\n--b--\r\n',
      ]).stream(),
      duplex: 'half',
      headers: { cookie: user.cookie, origin: web.url, 'content-type': 'multipart/form-data; boundary=b' },
    } as RequestInit);
    expect(chunked.status).toBe(413);
    const settings = await fetch(`${web.url}/orgs/${user.slug}/settings`, {
      method: 'POST',
      body: 'x'.repeat(200 * 1024),
      headers: { cookie: user.cookie, origin: web.url, 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(settings.status).toBe(413);
    expect(await tdb.admin.selectFrom('imports').select('id').where('fileName', '=', 'big.csv').execute()).toEqual([]);
  });
});
