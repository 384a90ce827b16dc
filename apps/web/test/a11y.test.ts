import { generateAppKey } from '@mfiq/auth';
import { seedDemo } from '@mfiq/api/seed';
import axe from 'axe-core';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cookieJar, postForm, startBrowserSuite, type RunningWeb } from './harness.ts';

/**
 * Phones, themes, keyboards and assistive technology, on the demo organization (a year of data, a
 * dashboard and a public data form): every page fits 390 px without sideways scrolling and its
 * controls are at least 44 px tall; axe-core finds nothing serious or critical, in light and dark;
 * Tab reaches every control with a visible focus ring. Dashboards have their own checks.
 */

let web: RunningWeb;
let browser: Browser;
let stopSuite: (() => Promise<void>) | undefined;
let cookie: string;
let formPath: string;
const PASSWORD = 'demo password for the a11y test';

beforeAll(async () => {
  const appKey = generateAppKey();
  let seeded: Awaited<ReturnType<typeof seedDemo>> | undefined;
  ({
    web,
    browser,
    stop: stopSuite,
  } = await startBrowserSuite({
    env: { APP_ENCRYPTION_KEY: appKey },
    beforeWeb: async (tdb) => (seeded = await seedDemo(tdb.owner, { password: PASSWORD, appKey })),
  }));
  formPath = seeded?.formPath ?? '';
  cookie = cookieJar(await postForm(web.url, '/login', { email: 'owner@demo.test', password: PASSWORD }));
}, 240_000);

afterAll(() => stopSuite?.());

const PUBLIC = ['/', '/login', '/signup', '/forgot-password', '/contact', '/security'];
const SIGNED_IN = [
  '/orgs/acme/metrics',
  '/orgs/acme/metrics/revenue',
  '/orgs/acme/members',
  '/orgs/acme/settings',
  '/orgs/acme/settings/api-keys',
  '/orgs/acme/security',
  '/orgs/acme/audit',
  '/orgs/acme/forms',
  '/orgs/acme/imports',
  '/orgs/acme/backups',
  '/orgs/acme/alerts',
  '/orgs/acme/alerts/rules',
  '/account',
  '/account/notifications',
];

async function contextFor(opts: { signedIn: boolean; width: number; dark?: boolean }): Promise<BrowserContext> {
  const context = await browser.newContext({
    viewport: { width: opts.width, height: 844 },
    colorScheme: opts.dark ? 'dark' : 'light',
  });
  if (opts.signedIn) {
    const [name, value] = cookie.split('=') as [string, string];
    await context.addCookies([{ name, value, url: web.url }]);
  }
  return context;
}

async function open(context: BrowserContext, path: string): Promise<Page> {
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const res = await page.goto(`${web.url}${path}`);
  expect(res?.status(), path).toBe(200);
  await page.waitForLoadState('networkidle');
  return page;
}

/** Controls narrower or shorter than 44 px, and whether the page scrolls sideways. */
async function phoneProblems(page: Page) {
  return page.evaluate(() => {
    const out: string[] = [];
    if (document.documentElement.scrollWidth > window.innerWidth)
      out.push(`scrolls sideways: ${document.documentElement.scrollWidth}px in ${window.innerWidth}px`);
    // Links inside running text are exempt (WCAG 2.5.5): they are as tall as the line they sit in.
    const controls = document.querySelectorAll<HTMLElement>(
      'button, select, textarea, summary, input:not([type=hidden]):not([type=checkbox]):not([type=radio]), label.checkbox, a:not(p a):not(td a):not(dd a):not(li p a)',
    );
    for (const el of controls) {
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.height === 0 || getComputedStyle(el).visibility === 'hidden') continue;
      if (el.closest('.hp-field, .visually-hidden, .skip-link')) continue;
      if (el.tagName !== 'SUMMARY' && el.closest('details:not([open])')) continue;
      // WCAG 2.5.8's inline exception: a link inside a sentence (text beside it in its parent).
      const inSentence = [...(el.parentElement?.childNodes ?? [])].some(
        (n) => n.nodeType === Node.TEXT_NODE && (n.textContent ?? '').trim() !== '',
      );
      if (el.tagName === 'A' && inSentence) continue;
      if (box.height < 44 || box.width < 44) {
        const name =
          (el.textContent ?? '').trim().slice(0, 30) || el.getAttribute('name') || el.getAttribute('aria-label');
        out.push(`${el.tagName.toLowerCase()} "${name}" is ${Math.round(box.width)}x${Math.round(box.height)}`);
      }
    }
    return out;
  });
}

async function axeViolations(page: Page): Promise<string[]> {
  // evaluate() runs outside the page's CSP, which would refuse an injected script.
  await page.evaluate(axe.source);
  const results = await page.evaluate(() =>
    (window as unknown as { axe: typeof axe }).axe.run(document, { resultTypes: ['violations'] }),
  );
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

describe('phones: 390 px wide', () => {
  it('public, form, metric and data-entry pages fit without sideways scrolling; controls are at least 44 px', async () => {
    const problems: Record<string, string[]> = {};
    for (const signedIn of [false, true]) {
      const context = await contextFor({ signedIn, width: 390 });
      const paths = signedIn ? SIGNED_IN : [...PUBLIC, formPath];
      for (const path of paths) {
        const page = await open(context, path);
        const found = await phoneProblems(page);
        if (found.length) {
          problems[path] = found;
          await page.screenshot({ path: join(tmpdir(), `mfiq-390${path.replace(/\W+/g, '-')}.png`), fullPage: true });
        }
        await page.close();
      }
      await context.close();
    }
    expect(problems).toEqual({});
  }, 240_000);

  it('the organization navigation opens its menus on a phone and they stay on screen', async () => {
    const context = await contextFor({ signedIn: true, width: 390 });
    const page = await open(context, '/orgs/acme/metrics');
    const nav = page.getByRole('navigation', { name: 'Organization' });
    for (const menu of ['Data', 'Security', 'Settings']) {
      await nav.locator('summary', { hasText: menu }).click();
      const items = nav.locator('details[open] .org-nav__items');
      const box = await items.boundingBox();
      expect(box, menu).not.toBeNull();
      expect(box!.x).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width).toBeLessThanOrEqual(390);
      await page.keyboard.press('Escape');
      await expect.poll(() => nav.locator('details[open]').count()).toBe(0);
    }
    await nav.locator('summary', { hasText: 'Settings' }).click();
    await nav.getByRole('link', { name: 'Backups' }).click();
    await page.waitForURL(/\/orgs\/acme\/backups$/);
    await expect.poll(() => nav.locator('details[open]').count()).toBe(0);
    await context.close();
  }, 60_000);
});

describe('desktop: 1360 px wide', () => {
  it('the organization navigation sits on one line, with nothing hidden sideways, on every organization page', async () => {
    const context = await contextFor({ signedIn: true, width: 1360 });
    const problems: Record<string, string> = {};
    for (const path of ['/orgs/acme', ...SIGNED_IN.filter((p) => p.startsWith('/orgs/'))]) {
      const page = await open(context, path);
      const found = await page.evaluate(() => {
        const list = document.querySelector('.org-nav__list');
        if (!list) return 'no organization navigation';
        const tops = new Set([...list.children].map((li) => Math.round(li.getBoundingClientRect().top)));
        if (tops.size !== 1) return `its ${list.children.length} entries wrap onto ${tops.size} lines`;
        if (list.scrollWidth > list.clientWidth)
          return `scrolls sideways: ${list.scrollWidth}px in ${list.clientWidth}px`;
        return null;
      });
      if (found) problems[path] = found;
      await page.close();
    }
    await context.close();
    expect(problems).toEqual({});
  }, 120_000);
});

describe('accessibility', () => {
  it('axe-core finds no serious or critical violation on the main pages, in light and in dark', async () => {
    const problems: Record<string, string[]> = {};
    // Dark mode changes colours only: its pass covers one page of each kind.
    const DARK = ['/', '/login', '/orgs/acme', '/orgs/acme/metrics/revenue', '/orgs/acme/audit', '/account'];
    for (const dark of [false, true]) {
      for (const signedIn of [false, true]) {
        const context = await contextFor({ signedIn, width: 1280, dark });
        const all = signedIn ? ['/orgs/acme', ...SIGNED_IN] : [...PUBLIC, formPath];
        for (const route of dark ? all.filter((p) => DARK.includes(p)) : all) {
          const page = await open(context, route);
          const found = await axeViolations(page);
          if (found.length) problems[`${dark ? 'dark' : 'light'} ${route}`] = found;
          await page.close();
        }
        await context.close();
      }
    }
    expect(problems).toEqual({});
  }, 400_000);

  it('Tab reaches every control in order, each with a visible focus ring', async () => {
    const context = await contextFor({ signedIn: true, width: 1280 });
    const unmarked: string[] = [];
    for (const path of ['/orgs/acme/settings', '/orgs/acme/metrics', '/orgs/acme/audit']) {
      const page = await open(context, path);
      const controls = await page
        .locator('a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select, summary')
        .count();
      for (let i = 0; i < Math.min(controls, 60); i++) {
        await page.keyboard.press('Tab');
        const focus = await page.evaluate(() => {
          const el = document.activeElement as HTMLElement | null;
          if (!el || el === document.body) return null;
          const style = getComputedStyle(el);
          const ring = style.boxShadow !== 'none' || (style.outlineStyle !== 'none' && style.outlineWidth !== '0px');
          return {
            ring,
            name: `${el.tagName.toLowerCase()} ${(el.textContent ?? el.getAttribute('name') ?? '').trim().slice(0, 30)}`,
          };
        });
        if (focus && !focus.ring) unmarked.push(`${path}: ${focus.name}`);
      }
      await page.close();
    }
    await context.close();
    expect(unmarked).toEqual([]);
  }, 120_000);
});
