import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { withTenant, type Database } from '@mfiq/db';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { chromium, type Browser, type Page } from 'playwright-core';
import { existsSync, readdirSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdir, readFile } from 'node:fs/promises';
import path, { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const WEB_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BUILD_ENTRY = path.join(WEB_DIR, 'build/server/index.js');
const SOURCES = ['app', 'public', 'vite.config.ts'];

function newestMtime(p: string): number {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(p)
    .filter((name) => !/\.test\.tsx?$/.test(name))
    .reduce((max, name) => Math.max(max, newestMtime(path.join(p, name))), st.mtimeMs);
}

/**
 * The browser and HTTP tests run the production build, exactly as deployed. It is rebuilt only
 * when missing or older than a source file, so a run after `pnpm build` starts at once.
 */
export async function ensureBuilt(): Promise<void> {
  const built = existsSync(BUILD_ENTRY) ? statSync(BUILD_ENTRY).mtimeMs : 0;
  const sources = Math.max(...SOURCES.map((s) => newestMtime(path.join(WEB_DIR, s))));
  if (built > sources) return;
  // The package's own `build` script, without needing pnpm on PATH.
  await promisify(execFile)(path.join(WEB_DIR, 'node_modules/.bin/remix'), ['vite:build'], {
    cwd: WEB_DIR,
    env: { ...process.env, NODE_ENV: 'production' },
    maxBuffer: 16 * 1024 * 1024,
    timeout: 170_000,
  });
}

/**
 * Production mode refuses to start without its keys (ADR 0100). The servers and workers of one test
 * file share one set, as replicas share theirs; a test passes '' to leave one unset.
 */
const PRODUCTION_KEYS = {
  APP_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  FORM_SECRET: randomBytes(32).toString('hex'),
  BACKUP_KEYS: `test:${randomBytes(32).toString('base64')}`,
};

export interface RunningWeb {
  url: string;
  /** Every JSON log line the server wrote, parsed. */
  logs: Record<string, unknown>[];
  /** The raw stdout, to check that secrets never appear in it. */
  rawLogs(): string;
  stop(): Promise<void>;
}

/**
 * Starts `node --import tsx server.ts` (production mode) as a child process on a free port, as
 * an operator would, and waits for its "listening" log line.
 */
export async function startWeb(env: Record<string, string>): Promise<RunningWeb> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'server.ts'], {
    cwd: WEB_DIR,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      // Tests submit forms at machine speed from one address: no fill-time wait and generous limits
      // unless a test asks otherwise (test/public-forms.test.ts does).
      FORM_MIN_FILL_MS: '0',
      FORM_RATE_LIMIT_PER_IP: '100000',
      FORM_RATE_LIMIT_PER_FORM: '100000',
      ...PRODUCTION_KEYS,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  let raw = '';
  let stderr = '';
  let buffer = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`web server did not start in time\n${stderr}\n${raw}`)), 60_000);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      raw += chunk;
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        try {
          const entry = JSON.parse(line) as Record<string, unknown>;
          logs.push(entry);
          if (entry.msg === 'listening' && typeof entry.url === 'string') {
            clearTimeout(timer);
            resolve(entry.url);
          }
        } catch {
          // not a log line
        }
      }
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`web server exited with ${code}\n${stderr}\n${raw}`));
    });
  });
  return {
    url,
    logs,
    rawLogs: () => raw,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Runs server.ts with this environment and returns its exit code and stderr (for start-up failures). */
export async function runWebExpectingExit(
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server.ts'], {
    cwd: WEB_DIR,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      NODE_ENV: 'production',
      PORT: '0',
      ...PRODUCTION_KEYS,
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, stderr };
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * One HTTP request exactly as written: any Host (fetch cannot set it), any method, the path sent
 * byte for byte (no normalisation of dot segments or percent-encoding on the way).
 */
export function rawRequest(
  baseUrl: string,
  opts: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<RawResponse> {
  const base = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: base.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: base.port,
        method: opts.method ?? 'GET',
        path: opts.path,
        // Node sends a DELETE or OPTIONS body with neither length nor chunking unless told its length.
        headers:
          opts.body === undefined
            ? (opts.headers ?? {})
            : { 'content-length': Buffer.byteLength(opts.body), ...opts.headers },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** The `name=value` part of each Set-Cookie header. */
export function cookieJar(res: Response): string {
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0] ?? '')
    .filter((c) => c && !/=$/.test(c))
    .join('; ');
}

export const PASSWORD = 'correct horse battery staple';

let counter = 0;
/** The newest link to `path` in mail queued for `to` (read from the outbox, as the worker would). */
export async function linkFromOutbox(
  tdb: TestDatabase,
  to: string,
  path: string,
  mailboxDir?: string,
): Promise<string> {
  const pattern = new RegExp(`https?://[^\\s]*${path}/[A-Za-z0-9_]+`);
  // A running worker delivers the mail (into the mailbox directory) and clears the stored body.
  for (let i = 0; i < 100; i++) {
    const mail = await tdb.admin
      .selectFrom('emailOutbox')
      .select('textBody')
      .where('toAddress', '=', to)
      .orderBy('createdAt', 'desc')
      .executeTakeFirst();
    let m = mail?.textBody ? pattern.exec(mail.textBody) : null;
    if (!m && mailboxDir) {
      for (const f of (await readdir(mailboxDir).catch(() => [] as string[])).sort().reverse()) {
        const stored = JSON.parse(await readFile(join(mailboxDir, f), 'utf8')) as { to: string; text: string };
        if (stored.to === to && (m = pattern.exec(stored.text))) break;
      }
    }
    if (m) return new URL(m[0]).pathname;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no mail with a ${path} link to ${to}`);
}

/** The signed form token a public form's page carries (what a browser would submit back). */
export async function formToken(baseUrl: string, path: string, headers: Record<string, string> = {}): Promise<string> {
  const html = await (await fetch(`${baseUrl}${path}`, { headers })).text();
  const token = /name="formToken" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error(`no form token on ${path}`);
  return token;
}

/** Posts a public form the way a person's browser does: with the page's token and an empty honeypot. */
export async function postForm(
  baseUrl: string,
  path: string,
  fields: Record<string, string>,
  opts: { headers?: Record<string, string>; tokenFrom?: string } = {},
) {
  const token = await formToken(opts.tokenFrom ?? baseUrl, path.split('?')[0]!);
  return fetch(`${baseUrl}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: baseUrl, ...opts.headers },
    body: new URLSearchParams({ formToken: token, website: '', ...fields }),
  });
}

export async function signUpOverHttp(baseUrl: string, prefix = 'user', tdb: TestDatabase, mailboxDir?: string) {
  counter += 1;
  return signUpAs(
    baseUrl,
    tdb,
    {
      email: `${prefix}-${counter}-${Math.random().toString(36).slice(2, 8)}@example.com`,
      displayName: `${prefix} ${counter}`,
      organizationName: `${prefix} org ${counter}`,
    },
    mailboxDir,
  );
}

/** Signs up through the real /signup form and the confirmation page (where the password is chosen); returns the session cookie and the organization slug. */
export async function signUpAs(
  baseUrl: string,
  tdb: TestDatabase,
  who: { email: string; displayName: string; organizationName: string },
  mailboxDir?: string,
) {
  const { email, ...names } = who;
  let res = await postForm(baseUrl, '/signup', { email, ...names });
  if (res.status !== 200) throw new Error(`sign-up failed: ${res.status} ${await res.text()}`);
  const confirm = await linkFromOutbox(tdb, email, '/signup/confirm', mailboxDir);
  // The password is chosen on the confirmation page (account pre-hijacking, ADR 0096).
  res = await fetch(`${baseUrl}${confirm}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: baseUrl },
    body: new URLSearchParams({ password: PASSWORD, ...names }),
  });
  if (res.status !== 302) throw new Error(`sign-up confirmation failed: ${res.status} ${await res.text()}`);
  const location = res.headers.get('location') ?? '';
  const slug = /^\/orgs\/([^/]+)$/.exec(location)?.[1];
  if (!slug) throw new Error(`unexpected redirect after sign-up: ${location}`);
  return { email, slug, cookie: cookieJar(res), setCookie: res.headers.getSetCookie() };
}

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * Starts the worker (`node --import tsx apps/worker/src/main.ts`) as its own process, as the
 * launcher does, so mail really goes outbox -> worker -> dev mailbox.
 */
export async function startWorkerProcess(
  env: Record<string, string>,
): Promise<{ stop(): Promise<void>; output(): string }> {
  const workerDir = path.resolve(WEB_DIR, '../worker');
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: workerDir,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      BACKUP_KEYS: PRODUCTION_KEYS.BACKUP_KEYS,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start in time\n${out}`)), 60_000);
    const onData = (chunk: string) => {
      out += chunk;
      if (out.includes('"worker started"')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited with ${code}\n${out}`));
    });
  });
  return {
    output: () => out,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A data form with one field on the metric and a live link (its token returned), as the forms editor leaves it. */
export async function insertDataForm(
  db: Database,
  opts: { tenantId: string; metricId: string; name: string },
): Promise<{ token: string; fieldId: string }> {
  const { tenantId } = opts;
  return withTenant(db, { tenantId }, async (trx) => {
    const form = await trx
      .insertInto('dataForms')
      .values({ tenantId, name: opts.name })
      .returning('id')
      .executeTakeFirstOrThrow();
    const field = await trx
      .insertInto('dataFormFields')
      .values({ tenantId, formId: form.id, metricId: opts.metricId, label: 'Answers today', position: 0 })
      .returning('id')
      .executeTakeFirstOrThrow();
    const token = randomBytes(32).toString('base64url');
    await trx
      .insertInto('dataFormLinks')
      .values({
        tenantId,
        formId: form.id,
        tokenHash: createHash('sha256').update(token).digest('hex'),
        tokenSealed: 'v1.test.sealed.not-opened-here',
        prefix: token.slice(0, 6),
      })
      .execute();
    return { token, fieldId: field.id };
  });
}

/** A loopback HTTP server that records what is posted to it (an OTLP collector, an error-reporting ingest). */
export async function receiver() {
  const requests: { url: string; body: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (c: string) => (body += c));
    req.on('end', () => {
      requests.push({ url: req.url ?? '', body });
      res.setHeader('content-type', 'application/json');
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    requests,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((r) => server.close(r)),
  };
}

export interface BrowserSuite {
  tdb: TestDatabase;
  web: RunningWeb;
  browser: Browser;
  /** Closes the browser, stops the server and drops the database (what was started, in reverse). */
  stop(): Promise<void>;
}

/**
 * What every browser test file starts with: the production build, a fresh database, the web
 * server on it (with `env` on top of APP_DATABASE_URL) and Chromium. `beforeWeb` runs between the
 * database and the server (seeding, say). A failure part-way stops what had already started.
 */
export async function startBrowserSuite(
  opts: { env?: Record<string, string>; beforeWeb?: (tdb: TestDatabase) => Promise<unknown> } = {},
): Promise<BrowserSuite> {
  await ensureBuilt();
  const tdb = await createTestDatabase();
  let web: RunningWeb | undefined;
  try {
    await opts.beforeWeb?.(tdb);
    web = await startWeb({ APP_DATABASE_URL: tdb.urls.app, ...opts.env });
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    const started = web;
    return {
      tdb,
      web,
      browser,
      async stop() {
        await browser.close();
        await started.stop();
        await tdb.drop();
      },
    };
  } catch (error) {
    await web?.stop();
    await tdb.drop();
    throw error;
  }
}

/**
 * Opens a page from the organization's navigation: a tab, or an item of one of its menus. Returns
 * once the new page has rendered: the address changes before React commits the page (the router
 * renders in a transition), and a field filled in that gap lands in the old page's form. The link
 * the navigation marks as current is committed in the same render as the page. Call it once the
 * current page has rendered: a page committing after the menu opened closes the menu again.
 */
export async function openFromOrgNav(page: Page, label: string, menu?: string): Promise<void> {
  const nav = page.getByRole('navigation', { name: 'Organization' });
  if (menu) await nav.locator('summary', { hasText: menu }).click();
  // A chosen menu item is hidden once its menu closes: look it up hidden or not.
  const link = nav.getByRole('link', { name: label, includeHidden: true });
  await link.click();
  await link.and(page.locator('[aria-current="page"]')).waitFor({ state: 'attached' });
}
