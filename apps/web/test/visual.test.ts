import { drainAll } from '@mfiq/worker';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUpAs, startBrowserSuite, type RunningWeb } from './harness.ts';
import { compareWithBaseline, freezeVolatile, type Comparison } from './screenshots.ts';

/**
 * The main pages, pixel by pixel against committed baselines, so a stylesheet change that moves,
 * recolours or unstyles something on a page it did not mean to touch fails here. The data is fixed
 * (names, dates in 2024) so the pages look the same on every run; times are frozen by freezeVolatile.
 * Dashboards are left to their own tests while they are being rebuilt.
 */

let web: RunningWeb;
let browser: Browser;
let stopSuite: (() => Promise<void>) | undefined;
let cookie: string;
let slug: string;

async function post(path: string, fields: Record<string, string>) {
  const res = await fetch(`${web.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: web.url, cookie },
    body: new URLSearchParams(fields),
  });
  if (res.status >= 400) throw new Error(`${path}: ${res.status} ${await res.text()}`);
}

beforeAll(async () => {
  let tdb;
  ({ tdb, web, browser, stop: stopSuite } = await startBrowserSuite());
  ({ cookie, slug } = await signUpAs(web.url, tdb, {
    email: 'vera@visual.test',
    displayName: 'Vera Visual',
    organizationName: 'Visual Check',
  }));
  const metric = (key: string, name: string, extra: Record<string, string> = {}) =>
    post(`/orgs/${slug}/metrics?index`, {
      key,
      name,
      description: '',
      unit: 'number',
      currency: '',
      aggregation: 'sum',
      direction: 'higher',
      defaultGrain: 'month',
      tags: '',
      ...extra,
    });
  await metric('signups', 'Signups', { tags: 'growth, web' });
  await metric('revenue', 'Revenue', { unit: 'currency', currency: 'EUR' });
  await metric('churn_rate', 'Churn rate', { unit: 'percent', aggregation: 'avg', direction: 'lower' });
  const rows: Record<string, string> = { intent: 'values' };
  for (let day = 0, i = 0; day < 120; day += 4, i++) {
    const date = new Date(Date.UTC(2024, 0, 1 + day)).toISOString().slice(0, 10);
    rows[`rows[${i}].date`] = date;
    rows[`rows[${i}].value`] = String(20 + ((day * 7) % 13));
  }
  await post(`/orgs/${slug}/metrics/signups`, rows);
  // The audit log shows what the worker has drained; drain once so it has rows.
  await drainAll(tdb.worker);
}, 240_000);

afterAll(() => stopSuite?.());

const PUBLIC_PAGES = ['/', '/login', '/signup', '/subprocessors', '/contact'];
const ORG_PAGES = [
  '',
  '/metrics',
  '/metrics/signups?grain=month&from=2024-01-01&to=2024-04-30',
  '/members',
  '/settings',
  '/settings/api-keys',
  '/security',
  '/audit',
  '/forms',
  '/imports',
  '/backups',
  '/alerts',
  '/alerts/rules',
];

function nameOf(path: string): string {
  const clean = path
    .split('?')[0]!
    .replace(/^\/orgs\/[^/]+/, '/org')
    .replace(/[^a-z0-9]+/gi, '-')
    .replace(/^-|-$/g, '');
  return clean || 'home';
}

describe('pages look as they did', () => {
  it('every main page matches its baseline at 1280 px', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const [name, value] = cookie.split('=') as [string, string];
    const signedIn = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await signedIn.addCookies([{ name, value, url: web.url }]);
    const results: Comparison[] = [];
    const shoot = async (ctx: typeof context, path: string) => {
      const page = await ctx.newPage();
      await page.goto(`${web.url}${path}`);
      await page.waitForLoadState('networkidle');
      await freezeVolatile(page);
      results.push(
        compareWithBaseline(nameOf(path), await page.screenshot({ fullPage: true, animations: 'disabled' })),
      );
      await page.close();
    };
    for (const path of PUBLIC_PAGES) await shoot(context, path);
    for (const path of ORG_PAGES) await shoot(signedIn, `/orgs/${slug}${path}`);
    await shoot(signedIn, '/account');
    await context.close();
    await signedIn.close();
    expect(results.filter((r) => r.problem).map((r) => `${r.name}: ${r.problem}`)).toEqual([]);
  }, 360_000);
});
