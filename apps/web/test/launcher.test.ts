import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@mfiq/db/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cookieJar, ensureBuilt, rawRequest, WEB_DIR } from './harness.ts';

/**
 * `npm start` as a person runs it (scripts/run.ts: embedded PostgreSQL, demo, web and worker), in a
 * data directory of its own. Findings 1 and 9 of issue 11: production mode refuses to run without
 * real keys, so the launcher's local install must generate, keep and pass them; and with no SMTP on
 * a wildcard bind it must say plainly where mail goes, since the dev mailbox page is then off.
 */
const ROOT = path.resolve(WEB_DIR, '../..');

interface Launch {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the banner once the launcher printed it. */
  banner: Promise<string>;
  exited: Promise<number | null>;
}

function launch(env: Record<string, string>): Launch {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/run.ts'], {
    cwd: ROOT,
    // The launcher sets its children's NODE_ENV itself; this one reaches only its web build.
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      NODE_ENV: 'production',
      NO_COLOR: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const banner = new Promise<string>((resolve, reject) => {
    const onData = (chunk: string) => {
      out += chunk;
      // The banner is written line by line, so a pipe may deliver its closing frame in a later chunk.
      const end = out.indexOf('Press Ctrl-C to stop.');
      const close = end >= 0 ? out.indexOf('╝', end) : -1;
      if (close >= 0) resolve(out.slice(out.lastIndexOf('╔', end), close + 1));
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    void exited.then((code) => reject(new Error(`the launcher exited with ${code}\n${out}`)));
  });
  return { child, output: () => out, banner, exited };
}

async function stop(run: Launch | undefined): Promise<void> {
  if (!run || run.child.exitCode !== null) return;
  run.child.kill('SIGTERM');
  await run.exited;
}

/** The banner's text without its frame, one line per banner line. */
const unframed = (banner: string) =>
  banner
    .split('\n')
    .map((l) => l.replace(/^║\s?/, '').replace(/\s*║$/, '').trimEnd())
    .join('\n');

let dataDir: string;
let run: Launch | undefined;

beforeAll(async () => {
  await ensureBuilt();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'mfiq-launch-'));
}, 240_000);

// A failed test must not leave its launcher holding the port (and the data directory) for the next.
afterEach(async () => {
  await stop(run);
});

afterAll(async () => {
  await stop(run);
  await rm(dataDir, { recursive: true, force: true });
});

describe('npm start', () => {
  let port: number;
  let firstToken: string;
  let credentials: Record<string, unknown>;

  it('on 0.0.0.0 without SMTP: says where mail goes, keeps the mailbox page off, generates and keeps its keys', async () => {
    port = await freePort();
    run = launch({
      DATA_DIR: dataDir,
      HOST: '0.0.0.0',
      PORT: String(port),
      EMBEDDED_PG_PORT: String(await freePort()),
    });
    const banner = unframed(await run.banner);
    expect(banner).toContain(`Metric Flow IQ is running at http://localhost:${port}`);
    expect(banner).toContain(`Other machines: http://<this machine's IP address>:${port}`);
    expect(banner).toContain('Mail is NOT sent: SMTP_URL is not set.');
    expect(banner).toContain(`written as files to ${path.join(dataDir, 'mailbox')}/`);
    expect(banner).toContain('The /dev/mailbox page is off');
    expect(banner).toContain('(the web listens on 0.0.0.0, not only on this machine)');
    expect(banner).not.toContain('/dev/mailbox\n');

    const base = `http://127.0.0.1:${port}`;
    expect((await rawRequest(base, { path: '/dev/mailbox' })).status).toBe(404);

    // Web and worker ran in the local mode with real keys: no key was made up at start-up.
    const output = run.output();
    expect(output).not.toMatch(/APP_ENCRYPTION_KEY is not set|FORM_SECRET is not set|BACKUP_KEYS is not set/);
    const file = path.join(dataDir, 'credentials.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    credentials = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    expect(credentials.appKey).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(credentials.formSecret).toMatch(/^[0-9a-f]{64}$/);
    expect(credentials.backupKeys).toMatch(/^local:[A-Za-z0-9+/]{43}=$/);

    // The demo works: its owner signs in with the password from the banner.
    const password = /owner@demo\.test\s+owner\s+password: (\S+)/.exec(banner)?.[1];
    expect(password).toBeTruthy();
    const page = await fetch(`${base}/login`);
    const token = /name="formToken" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
    await new Promise((r) => setTimeout(r, 3_100)); // the default minimum fill time
    const signIn = await fetch(`${base}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base },
      body: new URLSearchParams({ email: 'owner@demo.test', password: password!, formToken: token, website: '' }),
    });
    expect(signIn.status).toBe(302);
    expect(cookieJar(signIn)).toMatch(/^mfiq_session=/);
    // Kept for after the restart: a token signed with this run's FORM_SECRET.
    firstToken = /name="formToken" value="([^"]+)"/.exec(await (await fetch(`${base}/login`)).text())?.[1] ?? '';
    await stop(run);
  }, 300_000);

  it('restarted on loopback: the same keys, and the dev mailbox on this machine only', async () => {
    run = launch({
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: String(port),
      EMBEDDED_PG_PORT: String(await freePort()),
    });
    const banner = unframed(await run.banner);
    expect(banner).toContain('Mail is not sent (SMTP_URL is not set): read it on this machine at');
    expect(banner).toContain(`  http://localhost:${port}/dev/mailbox`);
    // The demo's data form link is sealed with APP_ENCRYPTION_KEY: it opens only with the same key.
    expect(banner).toMatch(/Public data form \(no sign-in\):\n\s+http:\/\/localhost:\d+\/f\/[A-Za-z0-9_-]{43}/);
    expect(JSON.parse(await readFile(path.join(dataDir, 'credentials.json'), 'utf8'))).toEqual(credentials);

    const base = `http://127.0.0.1:${port}`;
    expect((await rawRequest(base, { path: '/dev/mailbox' })).status).toBe(200);
    // A form served before the restart is still accepted: FORM_SECRET survived it.
    const signIn = await fetch(`${base}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base },
      body: new URLSearchParams({
        email: 'nobody@demo.test',
        password: 'wrong password',
        formToken: firstToken,
        website: '',
      }),
    });
    expect(signIn.status).toBe(400);
    expect(await signIn.text()).toContain('Email or password is incorrect.');
    await stop(run);
  }, 300_000);

  it('with a database of its own (production) refuses to start without the keys, naming them', async () => {
    const refused = launch({
      DATA_DIR: dataDir,
      PORT: String(await freePort()),
      DATABASE_URL: 'postgres://mfiq_owner:x@127.0.0.1:1/mfiq',
      APP_DATABASE_URL: 'postgres://mfiq_app:x@127.0.0.1:1/mfiq',
      WORKER_DATABASE_URL: 'postgres://mfiq_worker:x@127.0.0.1:1/mfiq',
      FORM_SECRET: 'ab'.repeat(32),
    });
    refused.banner.catch(() => {});
    expect(await refused.exited).toBe(1);
    expect(refused.output()).toContain(
      'Production (DATABASE_URL) needs keys of its own, kept in your secret store: APP_ENCRYPTION_KEY, BACKUP_KEYS',
    );
    // It stopped before touching the database.
    expect(refused.output()).not.toContain('applying migrations');
  }, 60_000);
});
