import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { sql } from '@mfiq/db';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureBuilt,
  formToken,
  PASSWORD,
  rawRequest,
  runWebExpectingExit,
  signUpOverHttp,
  startWeb,
  type RunningWeb,
} from './harness.ts';

/**
 * Finding 1 of issue 11: the dev mailbox (live reset and invitation links) must be out of reach of
 * anyone but a loopback visitor of a loopback-bound local install, and no page may be reached
 * under a host name that is not ours (DNS rebinding), nor written to from an origin that is not ours.
 */
const PUBLIC_URL = 'http://metrics.example.test';
const RESET_LINK = 'http://metrics.example.test/reset-password/MAILBOX-SECRET-LINK';

let tdb: TestDatabase;
let mailboxDir: string;
/** The launcher's local install: loopback bind, dev mailbox on, with a public name configured. */
let local: RunningWeb;

beforeAll(async () => {
  await ensureBuilt();
  tdb = await createTestDatabase();
  mailboxDir = await mkdtemp(path.join(os.tmpdir(), 'mfiq-mailbox-'));
  await writeFile(
    path.join(mailboxDir, `${Date.now()}-m1.json`),
    JSON.stringify({
      id: 'm1',
      sentAt: new Date().toISOString(),
      to: 'victim@example.com',
      subject: 'Reset your password',
      text: `Reset it here: ${RESET_LINK}`,
    }),
  );
  local = await startWeb({
    APP_DATABASE_URL: tdb.urls.app,
    APP_ENV: 'local',
    MAILBOX_ENABLED: '1',
    MAILBOX_DIR: mailboxDir,
    PUBLIC_URL,
  });
}, 240_000);

afterAll(async () => {
  await local?.stop();
  await tdb?.drop();
  await rm(mailboxDir, { recursive: true, force: true });
});

const portOf = (url: string) => new URL(url).port;

async function sessionCount(): Promise<number> {
  return (await sql<{ n: number }>`select count(*)::int as n from sessions`.execute(tdb.owner)).rows[0]!.n;
}

/** A sign-in form post carrying a valid form token, with the given Host and Origin. */
async function signIn(web: RunningWeb, email: string, headers: Record<string, string>) {
  const body = new URLSearchParams({
    email,
    password: PASSWORD,
    formToken: await formToken(web.url, '/login'),
    website: '',
  });
  return rawRequest(web.url, {
    method: 'POST',
    path: '/login',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: body.toString(),
  });
}

describe('host names that are not ours', () => {
  it('refuses any other Host with 421 before anything runs, pages, API and health alike', async () => {
    for (const host of [
      'evil.test',
      `evil.test:${portOf(local.url)}`,
      'localhost.evil.test',
      '127.0.0.1.nip.example',
      'localhost.',
      '0.0.0.0',
      'metrics.example.test.evil.test',
    ]) {
      for (const p of ['/login', '/api/trpc/auth.me', '/api/v1/metrics', '/healthz', '/dev/mailbox']) {
        const res = await rawRequest(local.url, { path: p, headers: { host } });
        expect(res.status, `${host} ${p}`).toBe(421);
        expect(res.body, `${host} ${p}`).not.toContain('MAILBOX-SECRET-LINK');
      }
    }
    const refused = local.logs.filter((l) => l.msg === 'request for a host name that is not ours refused');
    expect(refused.length).toBeGreaterThan(0);
  });

  it('answers our own names: loopback names and addresses, and the public name', async () => {
    for (const host of [
      `127.0.0.1:${portOf(local.url)}`,
      `localhost:${portOf(local.url)}`,
      '[::1]',
      'metrics.example.test',
    ])
      expect((await rawRequest(local.url, { path: '/login', headers: { host } })).status, host).toBe(200);
  });

  it('refuses a request without a usable Host with 400', async () => {
    const { hostname, port } = new URL(local.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), hostname, () => socket.end('GET /login HTTP/1.0\r\n\r\n'));
      let text = '';
      socket.setEncoding('utf8').on('data', (c: string) => (text += c));
      socket.on('end', () => resolve(text)).on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect((await rawRequest(local.url, { path: '/login', headers: { host: 'evil.test/x' } })).status).toBe(400);
  });

  it('a rebinding page (its Host and Origin agree with each other) cannot sign in', async () => {
    const user = await signUpOverHttp(local.url, 'rebind', tdb);
    const before = await sessionCount();
    const rebinding = `http://evil.test:${portOf(local.url)}`;
    const res = await signIn(local, user.email, { host: `evil.test:${portOf(local.url)}`, origin: rebinding });
    expect(res.status).toBe(421);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(await sessionCount()).toBe(before);
  });

  it('the CSRF check compares Origin with our origins, not with the Host the request names', async () => {
    const user = await signUpOverHttp(local.url, 'origins', tdb);
    const port = portOf(local.url);
    const before = await sessionCount();
    for (const origin of [
      `http://evil.test:${port}`,
      `http://metrics.example.test.evil.test`,
      // Another program on this machine (another port), or our port over the other scheme.
      `http://localhost:${Number(port) + 1}`,
      `https://127.0.0.1:${port}`,
      'null',
    ]) {
      const res = await signIn(local, user.email, { host: `127.0.0.1:${port}`, origin });
      expect(res.status, origin).toBe(403);
    }
    expect(await sessionCount()).toBe(before);
    // Our origins: the public one, and loopback on this server's own port under any loopback name.
    for (const origin of [PUBLIC_URL, `http://127.0.0.1:${port}`, `http://localhost:${port}`]) {
      const res = await signIn(local, user.email, { host: `127.0.0.1:${port}`, origin });
      expect(res.status, origin).toBe(302);
    }
    expect(await sessionCount()).toBe(before + 3);
  });
});

describe('the dev mailbox', () => {
  const readMailbox = (web: RunningWeb, p: string, headers: Record<string, string> = {}) =>
    rawRequest(web.url, { path: p, headers });

  it('is served in the local install to a loopback visitor of a loopback-bound server', async () => {
    const res = await readMailbox(local, '/dev/mailbox');
    expect(res.status).toBe(200);
    expect(res.body).toContain('MAILBOX-SECRET-LINK');
    expect((await readMailbox(local, '/dev/mailbox', { host: `localhost:${portOf(local.url)}` })).status).toBe(200);
  });

  it('is a 404 under a name that is not loopback, through a proxy, and in every spelling of its URL', async () => {
    for (const [p, headers] of [
      ['/dev/mailbox', { host: 'metrics.example.test' }],
      ['/dev/mailbox/', { host: 'metrics.example.test' }],
      ['/Dev/Mailbox', { host: 'metrics.example.test' }],
      ['/dev//mailbox', { host: 'metrics.example.test' }],
      ['/dev/mailbox.data', { host: 'metrics.example.test' }],
      ['/dev/%6dailbox', { host: 'metrics.example.test' }],
      ['/dev/mailbox', { 'x-forwarded-for': '203.0.113.9' }],
      ['/dev/mailbox', { forwarded: 'for=203.0.113.9' }],
      ['/dev/mailbox', { via: '1.1 proxy.example' }],
    ] as const) {
      const res = await readMailbox(local, p, headers);
      expect(res.status, `${p} ${JSON.stringify(headers)}`).toBe(404);
      expect(res.body).not.toContain('MAILBOX-SECRET-LINK');
    }
  });

  it('is a 404 when the server listens on every interface, or trusts a proxy', async () => {
    for (const env of [{ HOST: '0.0.0.0' }, { TRUST_PROXY: '127.0.0.1' }] as Record<string, string>[]) {
      const web = await startWeb({
        APP_DATABASE_URL: tdb.urls.app,
        APP_ENV: 'local',
        MAILBOX_ENABLED: '1',
        MAILBOX_DIR: mailboxDir,
        ...env,
      });
      try {
        const res = await readMailbox(web, '/dev/mailbox');
        expect(res.status, JSON.stringify(env)).toBe(404);
        expect(res.body).not.toContain('MAILBOX-SECRET-LINK');
        expect(web.logs.map((l) => l.msg)).toContain(
          'the dev mailbox stays off: it is served only when the server listens on loopback with no proxy in front',
        );
      } finally {
        await web.stop();
      }
    }
  }, 120_000);

  it('does not exist in production, and production refuses to start with it switched on', async () => {
    const web = await startWeb({ APP_DATABASE_URL: tdb.urls.app, MAILBOX_DIR: mailboxDir });
    try {
      const res = await readMailbox(web, '/dev/mailbox');
      expect(res.status).toBe(404);
      expect(res.body).not.toContain('MAILBOX-SECRET-LINK');
    } finally {
      await web.stop();
    }
    const refused = await runWebExpectingExit({
      APP_DATABASE_URL: tdb.urls.app,
      MAILBOX_ENABLED: '1',
      MAILBOX_DIR: mailboxDir,
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('MAILBOX_ENABLED cannot be 1 in production');
  }, 120_000);
});
