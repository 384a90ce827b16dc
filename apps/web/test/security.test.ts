import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from '@mfiq/db';
import type { TestDatabase } from '@mfiq/db/testing';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  linkFromOutbox,
  PASSWORD,
  postForm,
  signUpOverHttp,
  startBrowserSuite,
  startWeb,
  type RunningWeb,
} from './harness.ts';

let tdb: TestDatabase;
let web: RunningWeb;
let browser: Browser;
let stopSuite: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ tdb, web, browser, stop: stopSuite } = await startBrowserSuite());
}, 240_000);

afterAll(() => stopSuite?.());

const nonceOf = (csp: string | null) => /'nonce-([A-Za-z0-9+/=]+)'/.exec(csp ?? '')?.[1];

describe('security headers', () => {
  it('every page carries a CSP with a fresh nonce, and every script in it carries that nonce', async () => {
    const [a, b] = await Promise.all([fetch(`${web.url}/login`), fetch(`${web.url}/login`)]);
    const csp = a.headers.get('content-security-policy') ?? '';
    const nonceA = nonceOf(csp);
    const nonceB = nonceOf(b.headers.get('content-security-policy'));
    expect(nonceA).toBeTruthy();
    expect(nonceB).toBeTruthy();
    expect(nonceA).not.toBe(nonceB);
    expect(nonceA!.length).toBeGreaterThanOrEqual(22); // 128 bits
    for (const directive of [
      "default-src 'self'",
      `script-src 'self' 'nonce-${nonceA}' 'strict-dynamic'`,
      "style-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
      "form-action 'self'",
    ]) {
      expect(csp).toContain(directive);
    }
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');

    const html = await a.text();
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonceA}"`);
    const preloads = html.match(/<link rel="modulepreload"[^>]*>/g) ?? [];
    expect(preloads.length).toBeGreaterThan(0);
    for (const tag of preloads) expect(tag).toContain(`nonce="${nonceA}"`);
    expect(html).not.toMatch(/\sstyle="/);
    await b.text();
  });

  it('sends the hardening headers on pages, API, errors and static files; no HSTS over plain HTTP', async () => {
    const user = await signUpOverHttp(web.url, 'headers', tdb);
    const page = await fetch(`${web.url}/orgs/${user.slug}`, { headers: { cookie: user.cookie } });
    const html = await page.text();
    const asset = /href="(\/assets\/[^"]+\.css)"/.exec(html)?.[1];
    expect(asset).toBeTruthy();
    const responses = {
      page,
      api: await fetch(`${web.url}/api/trpc/auth.me`, { headers: { cookie: user.cookie } }),
      notFound: await fetch(`${web.url}/nothing-here`),
      asset: await fetch(`${web.url}${asset}`),
      health: await fetch(`${web.url}/healthz`),
    };
    for (const [name, res] of Object.entries(responses)) {
      const h = res.headers;
      expect.soft(h.get('content-security-policy'), name).toContain("frame-ancestors 'none'");
      expect.soft(h.get('x-content-type-options'), name).toBe('nosniff');
      expect.soft(h.get('referrer-policy'), name).toBe('strict-origin-when-cross-origin');
      expect.soft(h.get('x-frame-options'), name).toBe('DENY');
      expect.soft(h.get('cross-origin-opener-policy'), name).toBe('same-origin');
      expect.soft(h.get('strict-transport-security'), name).toBeNull();
      expect.soft(h.get('x-powered-by'), name).toBeNull();
    }
    expect(responses.page.headers.get('cache-control')).toBe('no-store');
    expect(responses.api.headers.get('cache-control')).toBe('no-store');
    expect(responses.asset.headers.get('cache-control')).toContain('immutable');
  });

  it('the session cookie is HttpOnly and SameSite=Lax, without Secure on plain HTTP', async () => {
    const { setCookie } = await signUpOverHttp(web.url, 'cookie', tdb);
    const session = setCookie.find((c) => c.startsWith('mfiq_session='));
    expect(session).toBeTruthy();
    const attrs = session!.split(';').map((p) => p.trim().toLowerCase());
    expect(attrs).toContain('httponly');
    expect(attrs).toContain('samesite=lax');
    expect(attrs).toContain('path=/');
    expect(attrs).not.toContain('secure');
    expect(attrs.some((a) => a.startsWith('domain='))).toBe(false);
  });
});

describe('in the browser', () => {
  it('injected markup cannot run script: inline, event handler and external scripts without the nonce are blocked', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    // Record violations from the first moment (init scripts run outside the page's CSP).
    await page.addInitScript(() => {
      const w = window as unknown as { __violations: string[] };
      w.__violations = [];
      document.addEventListener('securitypolicyviolation', (e) => w.__violations.push(e.violatedDirective));
    });
    // A stored-XSS stand-in: the server's real response, with attacker markup spliced into the HTML
    // and the server's headers (its CSP) kept as they are.
    await page.route(`${web.url}/login`, async (route) => {
      const response = await route.fetch();
      const html = await response.text();
      const injected = html.replace(
        '<main',
        '<script>window.__inline = true;</script>' +
          '<img src="/favicon.svg" onload="window.__handler = true">' +
          '<script src="/favicon.svg?as-script"></script>' +
          '<main',
      );
      await route.fulfill({ response, body: injected });
    });
    await page.goto(`${web.url}/login`);
    // The page's own nonce'd scripts did run: the app hydrated.
    await expect
      .poll(() => page.evaluate(() => typeof (window as unknown as { __remixRouter?: unknown }).__remixRouter))
      .toBe('object');

    // And from a script at run time: an inline handler set through innerHTML is refused too.
    await page.evaluate(async () => {
      const holder = document.createElement('div');
      holder.innerHTML = '<img src="/favicon.svg?late" onload="window.__lateHandler = true">';
      document.body.appendChild(holder);
      await new Promise((r) => setTimeout(r, 300));
    });
    const result = await page.evaluate(() => {
      const w = window as unknown as {
        __inline?: boolean;
        __handler?: boolean;
        __lateHandler?: boolean;
        __violations: string[];
      };
      return {
        inline: w.__inline === true,
        handler: w.__handler === true,
        lateHandler: w.__lateHandler === true,
        violations: w.__violations,
      };
    });
    expect(result).toMatchObject({ inline: false, handler: false, lateHandler: false });
    // The inline and the external script element, and both event handlers.
    expect(result.violations.filter((v) => v === 'script-src-elem').length).toBeGreaterThanOrEqual(2);
    expect(result.violations.filter((v) => v === 'script-src-attr').length).toBeGreaterThanOrEqual(2);
    expect(consoleErrors.some((e) => e.includes('Content Security Policy'))).toBe(true);
    await context.close();
  });

  it('another site cannot frame the app', async () => {
    const framer = http.createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end(
        `<!doctype html><title>framer</title><iframe id="target" src="${web.url}/login" width="800" height="600"></iframe>`,
      );
    });
    await new Promise<void>((resolve) => framer.listen(0, '127.0.0.1', resolve));
    const framerUrl = `http://127.0.0.1:${(framer.address() as AddressInfo).port}/`;
    const context = await browser.newContext();
    const page = await context.newPage();
    const messages: string[] = [];
    page.on('console', (m) => messages.push(m.text()));
    try {
      await page.goto(framerUrl, { waitUntil: 'load' });
      await expect.poll(() => messages.some((m) => m.includes("frame-ancestors 'none'"))).toBe(true);
      const child = page.frames().find((f) => f !== page.mainFrame());
      expect(child).toBeTruthy();
      const text = await child!.evaluate(() => document.body?.innerText ?? '').catch(() => '');
      expect(text).not.toContain('Sign in');
      expect(child!.url()).not.toBe(`${web.url}/login`);
    } finally {
      await context.close();
      await new Promise<void>((resolve) => framer.close(() => resolve()));
    }
  });
});

describe('client IP and scheme come only from a trusted proxy', () => {
  async function lastSessionIp(email: string): Promise<string | null> {
    const r = await sql<{ ip: string | null }>`
      select s.ip from sessions s join users u on u.id = s.user_id where u.email = ${email} order by s.created_at desc limit 1`.execute(
      tdb.owner,
    );
    return r.rows[0]?.ip ?? null;
  }

  async function signInVia(url: string, email: string, headers: Record<string, string>) {
    return postForm(url, '/login', { email, password: PASSWORD }, { headers });
  }

  it('without TRUST_PROXY, X-Forwarded-* headers are ignored', async () => {
    const user = await signUpOverHttp(web.url, 'noproxy', tdb);
    const res = await signInVia(web.url, user.email, {
      origin: web.url,
      'x-forwarded-for': '198.51.100.23',
      'x-forwarded-proto': 'https',
    });
    expect(res.status).toBe(302);
    expect(await lastSessionIp(user.email)).toBe('127.0.0.1');
    expect(res.headers.get('strict-transport-security')).toBeNull();
  });

  it("with TRUST_PROXY, the proxy's last X-Forwarded-For hop and its scheme and host are used", async () => {
    const proxied = await startWeb({
      APP_DATABASE_URL: tdb.urls.app,
      TRUST_PROXY: '127.0.0.1',
      PUBLIC_URL: 'https://metrics.example.com',
    });
    try {
      const user = await signUpOverHttp(web.url, 'proxy', tdb);
      const forwarded = {
        'x-forwarded-for': '10.9.9.9, 203.0.113.50',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'metrics.example.com',
      };
      const res = await signInVia(proxied.url, user.email, { origin: 'https://metrics.example.com', ...forwarded });
      expect(res.status).toBe(302);
      expect(await lastSessionIp(user.email)).toBe('203.0.113.50');
      expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d{7,}/);
      // Behind the TLS-terminating proxy the cookie is Secure with the __Host- prefix.
      expect(
        res.headers.getSetCookie().some((c) => c.startsWith('__Host-mfiq_session=') && /;\s*Secure/i.test(c)),
      ).toBe(true);
      // The Origin check compares with our public origin: the proxy's own address is foreign to browsers.
      const direct = await signInVia(proxied.url, user.email, { origin: proxied.url, ...forwarded });
      expect(direct.status).toBe(403);
    } finally {
      await proxied.stop();
    }
  });
});

describe('HTTPS', () => {
  it('serves TLS when given a certificate: HSTS, and a Secure __Host- session cookie', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mfiq-tls-'));
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    await promisify(execFile)('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ]);
    const secure = await startWeb({ APP_DATABASE_URL: tdb.urls.app, TLS_CERT_FILE: cert, TLS_KEY_FILE: key });
    try {
      expect(secure.url).toMatch(/^https:\/\//);
      const email = `tls-${Date.now()}@example.com`;
      const post = (urlPath: string, body: string) =>
        new Promise<http.IncomingMessage>((resolve, reject) => {
          const req = https.request(
            `${secure.url}${urlPath}`,
            {
              method: 'POST',
              rejectUnauthorized: false,
              headers: {
                origin: secure.url,
                'content-type': 'application/x-www-form-urlencoded',
                'content-length': Buffer.byteLength(body),
              },
            },
            resolve,
          );
          req.on('error', reject);
          req.end(body);
        });
      const page = await new Promise<string>((resolve, reject) => {
        https
          .get(`${secure.url}/signup`, { rejectUnauthorized: false }, (r) => {
            let html = '';
            r.setEncoding('utf8')
              .on('data', (c: string) => (html += c))
              .on('end', () => resolve(html));
          })
          .on('error', reject);
      });
      const formToken = /name="formToken" value="([^"]+)"/.exec(page)?.[1] ?? '';
      const asked = await post(
        '/signup',
        new URLSearchParams({
          formToken,
          email,
          displayName: 'TLS',
          organizationName: 'TLS Org',
        }).toString(),
      );
      asked.resume();
      expect(asked.statusCode).toBe(200);
      const res = await post(
        await linkFromOutbox(tdb, email, '/signup/confirm'),
        new URLSearchParams({ password: PASSWORD, displayName: 'TLS', organizationName: 'TLS Org' }).toString(),
      );
      res.resume();
      expect(res.statusCode).toBe(302);
      expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
      const cookie = (res.headers['set-cookie'] ?? []).find((c) => c.startsWith('__Host-mfiq_session='));
      expect(cookie).toBeTruthy();
      const attrs = cookie!.split(';').map((p) => p.trim().toLowerCase());
      expect(attrs).toEqual(expect.arrayContaining(['secure', 'httponly', 'samesite=lax', 'path=/']));
      expect(attrs.some((a) => a.startsWith('domain='))).toBe(false);
    } finally {
      await secure.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
