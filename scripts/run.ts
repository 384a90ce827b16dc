// The product launcher: `npm start` (through scripts/bootstrap.mjs) or `pnpm exec tsx scripts/run.ts`.
//
// Without DATABASE_URL: an embedded PostgreSQL under .data/pg, roles with generated passwords, migrations,
// the demo organization, then web + worker + audit retention. With DATABASE_URL (+ APP_DATABASE_URL,
// WORKER_DATABASE_URL, and RETENTION_DATABASE_URL + AUDIT_CHECKPOINT_KEY for retention): the same
// against that server, seeding the demo only with SEED_DEMO=1. Ctrl-C stops everything.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { createServer } from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createDb, migrate, provisionRoles, roleUrl, ROLE_NAMES, type RolePasswords } from '@mfiq/db';
import { z } from 'zod';
import { isLoopbackBind, launchEnvSchema, PRODUCTION_KEYS, type LaunchEnv } from './launcher-env.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WEB_DIR = path.join(ROOT, 'apps/web');
const DATABASE = 'mfiq';
const HEALTH_TIMEOUT_MS = 90_000;
const CHILD_STOP_TIMEOUT_MS = 20_000;

// ---------------------------------------------------------------------------------------------------
// 1. Configuration: the launcher's own variables (launcher-env.ts); web and worker validate theirs again.

function parseEnv(): LaunchEnv {
  const parsed = launchEnvSchema.safeParse(process.env);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => `  ${String(i.path[0] ?? '(environment)')}: ${i.message}`);
  fail(`Invalid configuration:\n${lines.join('\n')}`, 2);
}

// ---------------------------------------------------------------------------------------------------
// 2. Output: launcher lines, and children's lines with a prefix.

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: string, text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
const say = (line: string) => process.stdout.write(`${paint('36', '[run]')} ${line}\n`);

function fail(message: string, code = 1): never {
  process.stderr.write(`${paint('31', '[run]')} ${message}\n`);
  process.exit(code);
}

function pipeWithPrefix(child: ChildProcess, name: string, code: string): void {
  const prefix = paint(code, `[${name}]`.padEnd(8));
  for (const [stream, out] of [
    [child.stdout, process.stdout],
    [child.stderr, process.stderr],
  ] as const) {
    if (!stream) continue;
    readline
      .createInterface({ input: stream, crlfDelay: Infinity })
      .on('line', (line) => out.write(`${prefix} ${line}\n`));
  }
}

const env = parseEnv();
/** A path as the banner and messages show it: relative to the repository when inside it. */
const shown = (p: string) => (p.startsWith(`${ROOT}`) ? path.relative(ROOT, p) || '.' : p);
const DATA_DIR = env.DATA_DIR ? path.resolve(env.DATA_DIR) : path.join(ROOT, '.data');
const PG_DIR = path.join(DATA_DIR, 'pg');
const CREDENTIALS_FILE = path.join(DATA_DIR, 'credentials.json');

// ---------------------------------------------------------------------------------------------------
// 3. Local secrets: generated once, kept in .data/credentials.json (mode 600, git-ignored).

const credentialsSchema = z.object({
  adminPassword: z.string().min(16).optional(),
  roles: z
    .object({
      owner: z.string().min(16),
      app: z.string().min(16),
      worker: z.string().min(16),
      retention: z.string().min(16).optional(),
    })
    .optional(),
  /** HMAC key that signs audit retention checkpoints (local installs only; operators set AUDIT_CHECKPOINT_KEY). */
  auditCheckpointKey: z.string().min(32).optional(),
  demoPassword: z.string().min(12).optional(),
  /** The application key that seals TOTP secrets (base64, 32 bytes): generated once per data directory. */
  appKey: z.string().min(40).optional(),
  /** The key that signs public-form tokens (hex, 32 bytes): FORM_SECRET of the local install. */
  formSecret: z.string().min(64).optional(),
  /** The backup master key ring (`id:base64key`): BACKUP_KEYS of the local install. */
  backupKeys: z.string().min(10).optional(),
});
type Credentials = z.infer<typeof credentialsSchema>;

const secret = (bytes = 24) => randomBytes(bytes).toString('base64url');

async function readCredentials(): Promise<Credentials> {
  if (!existsSync(CREDENTIALS_FILE)) return {};
  const parsed = credentialsSchema.safeParse(JSON.parse(await readFile(CREDENTIALS_FILE, 'utf8')));
  if (!parsed.success) fail(`${shown(CREDENTIALS_FILE)} is not valid: ${parsed.error.message}`);
  return parsed.data;
}

async function writeCredentials(creds: Credentials): Promise<void> {
  await mkdir(DATA_DIR, { recursive: true });
  const tmp = `${CREDENTIALS_FILE}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, CREDENTIALS_FILE);
  await chmod(CREDENTIALS_FILE, 0o600);
}

/**
 * The backup key ring of a local install. One made by an earlier version next to the backups
 * (`.dev-master-key`) is adopted, so the backups it encrypted stay readable.
 */
async function localBackupKeys(backupDir: string): Promise<string> {
  const devKeyFile = path.join(backupDir, '.dev-master-key');
  if (existsSync(devKeyFile)) return (await readFile(devKeyFile, 'utf8')).trim();
  return `local:${randomBytes(32).toString('base64')}`;
}

/**
 * Fills whatever is missing and saves it before first use, so a crash never loses a password in use.
 * `keys`: the local install's application keys (production brings its own, ADR 0100).
 */
async function ensureCredentials(need: {
  server: boolean;
  demo: boolean;
  keys: boolean;
  backupDir: string;
}): Promise<Credentials> {
  const creds = await readCredentials();
  if (need.server && existsSync(path.join(PG_DIR, 'PG_VERSION')) && (!creds.adminPassword || !creds.roles)) {
    fail(
      `${shown(PG_DIR)} exists but its passwords are not in ${shown(CREDENTIALS_FILE)}.\n` +
        `      To start over with an empty database, delete ${shown(DATA_DIR)}/ (this deletes the local data).`,
    );
  }
  let changed = false;
  if (need.server && !creds.adminPassword) [creds.adminPassword, changed] = [secret(), true];
  if (need.server && !creds.roles)
    [creds.roles, changed] = [{ owner: secret(), app: secret(), worker: secret(), retention: secret() }, true];
  // Installs from before the retention role existed get its password on the next start.
  if (need.server && creds.roles && !creds.roles.retention) [creds.roles.retention, changed] = [secret(), true];
  if (need.server && !creds.auditCheckpointKey) [creds.auditCheckpointKey, changed] = [secret(32), true];
  if (need.demo && !creds.demoPassword) [creds.demoPassword, changed] = [secret(12), true];
  if (need.keys && !env.APP_ENCRYPTION_KEY && !creds.appKey)
    [creds.appKey, changed] = [randomBytes(32).toString('base64'), true];
  if (need.keys && !env.FORM_SECRET && !creds.formSecret)
    [creds.formSecret, changed] = [randomBytes(32).toString('hex'), true];
  if (need.keys && !env.BACKUP_KEYS && !creds.backupKeys)
    [creds.backupKeys, changed] = [await localBackupKeys(need.backupDir), true];
  if (changed) await writeCredentials(creds);
  return creds;
}

// ---------------------------------------------------------------------------------------------------
// 4. Ports and processes.

function portIsFree(portNumber: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port: portNumber, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const address = srv.address();
      srv.close(() =>
        address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no free port')),
      );
    });
  });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pnpm that runs this script (bootstrap runs us through it); else one on PATH; else the pinned one via npx. */
function pnpmCommand(): [string, string[]] {
  const execPath = process.env.npm_execpath;
  if (execPath && /pnpm/.test(path.basename(execPath)) && existsSync(execPath)) {
    return /\.[cm]?js$/.test(execPath) ? [process.execPath, [execPath]] : [execPath, []];
  }
  if (spawnSync('pnpm', ['--version'], { stdio: 'ignore' }).status === 0) return ['pnpm', []];
  return [process.platform === 'win32' ? 'npx.cmd' : 'npx', ['-y', 'pnpm@12.4.2']];
}

// ---------------------------------------------------------------------------------------------------
// 5. Shutdown: web, worker and retention first (they close their pools), then PostgreSQL.

const children = new Map<string, ChildProcess>();
let databaseProcess: ChildProcess | null = null;
let shuttingDown = false;

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function shutdown(code: number, reason: string): Promise<never> {
  if (shuttingDown) return new Promise<never>(() => {});
  shuttingDown = true;
  say(`${reason}: stopping…`);
  for (const child of children.values()) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  }
  await Promise.all([...children.values()].map((c) => waitForExit(c, CHILD_STOP_TIMEOUT_MS)));
  if (databaseProcess && databaseProcess.exitCode === null && databaseProcess.signalCode === null) {
    say('stopping PostgreSQL');
    databaseProcess.kill('SIGTERM');
    await waitForExit(databaseProcess, 40_000);
    if (databaseProcess.exitCode !== 0)
      say(`PostgreSQL stopped with ${databaseProcess.signalCode ?? `code ${databaseProcess.exitCode}`}`);
  }
  say('stopped');
  process.exit(code);
}

// However this process ends, children do not outlive it (detached, they would not get the terminal's signal).
process.on('exit', () => {
  for (const child of children.values())
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  if (databaseProcess && databaseProcess.exitCode === null) databaseProcess.kill('SIGTERM');
});

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function installSignalHandlers(): void {
  for (const signal of SIGNALS) process.on(signal, () => void shutdown(0, `received ${signal}`));
}

const EXIT_WITH_PARENT = pathToFileURL(path.join(ROOT, 'scripts/exit-with-parent.mjs')).href;

function startChild(
  name: string,
  code: string,
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv },
): ChildProcess {
  args = ['--import', EXIT_WITH_PARENT, ...args];
  // Own process group: a Ctrl-C or a group kill reaches only this launcher, which stops the children
  // once each, in order, before PostgreSQL (a second signal would cut their graceful stop short).
  const child = spawn(process.execPath, args, {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.set(name, child);
  pipeWithPrefix(child, name, code);
  child.on('exit', (exitCode, signal) => {
    if (shuttingDown) return;
    void shutdown(exitCode || 1, `${name} exited unexpectedly (${signal ?? `code ${exitCode}`})`);
  });
  return child;
}

// ---------------------------------------------------------------------------------------------------
// 6. Database: embedded or given.

interface DatabaseUrls {
  owner: string;
  app: string;
  worker: string;
  retention?: string | undefined;
}

/**
 * Starts scripts/embedded-pg.ts, which owns PostgreSQL in its own process group (see there why), and
 * resolves with the server's admin URL once it accepts connections. The password travels on stdin,
 * not argv, which every user can read in the process table.
 */
async function startDatabaseProcess(opts: { dir: string; port: number; adminPassword: string }): Promise<string> {
  const helper = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/embedded-pg.ts')], {
    cwd: ROOT,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  databaseProcess = helper;
  readline
    .createInterface({ input: helper.stderr!, crlfDelay: Infinity })
    .on('line', (line) => process.stderr.write(`${paint('33', '[pg]'.padEnd(8))} ${line}\n`));
  // stdin stays open: if this launcher dies, the pipe closes and the helper stops PostgreSQL.
  helper.stdin!.write(`${JSON.stringify(opts)}\n`);
  const answer = await new Promise<{ type: string; adminUrl?: string; message?: string }>((resolve) => {
    const rl = readline.createInterface({ input: helper.stdout!, crlfDelay: Infinity });
    rl.once('line', (line) => {
      try {
        resolve(JSON.parse(line) as { type: string });
      } catch {
        resolve({ type: 'error', message: line });
      }
    });
    helper.once('exit', (code) => resolve({ type: 'error', message: `the PostgreSQL process exited (code ${code})` }));
  });
  if (answer.type !== 'ready' || !answer.adminUrl) {
    databaseProcess = null;
    fail(`embedded PostgreSQL failed to start: ${answer.message ?? 'no answer'}`);
  }
  helper.on('exit', (code) => {
    if (!shuttingDown) void shutdown(1, `PostgreSQL exited unexpectedly (code ${code})`);
  });
  return answer.adminUrl;
}

async function startEmbedded(env: LaunchEnv, creds: Credentials): Promise<DatabaseUrls> {
  const pidFile = path.join(PG_DIR, 'postmaster.pid');
  if (existsSync(pidFile)) {
    const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
    if (pid && processAlive(pid)) {
      fail(
        `PostgreSQL is already running on ${shown(PG_DIR)} (pid ${pid}): another \`npm start\` is running,\n` +
          `      or a previous one did not stop it. Stop that one first (Ctrl-C in its terminal, or \`kill ${pid}\`).`,
      );
    }
  }
  let pgPort = env.EMBEDDED_PG_PORT;
  if (!(await portIsFree(pgPort, '127.0.0.1'))) {
    const chosen = await freePort('127.0.0.1');
    say(`port ${pgPort} is busy; embedded PostgreSQL uses ${chosen} instead (set EMBEDDED_PG_PORT to choose)`);
    pgPort = chosen;
  }
  const firstStart = !existsSync(path.join(PG_DIR, 'PG_VERSION'));
  say(`${firstStart ? 'initialising' : 'starting'} embedded PostgreSQL in ${shown(PG_DIR)} on 127.0.0.1:${pgPort}`);
  const adminUrl = await startDatabaseProcess({ dir: PG_DIR, port: pgPort, adminPassword: creds.adminPassword! });
  const roles = creds.roles as RolePasswords; // ensureCredentials filled retention
  await provisionRoles(adminUrl, DATABASE, roles);
  return {
    owner: roleUrl(adminUrl, ROLE_NAMES.owner, roles.owner, DATABASE),
    app: roleUrl(adminUrl, ROLE_NAMES.app, roles.app, DATABASE),
    worker: roleUrl(adminUrl, ROLE_NAMES.worker, roles.worker, DATABASE),
    retention: roleUrl(adminUrl, ROLE_NAMES.retention, roles.retention, DATABASE),
  };
}

async function seed(ownerUrl: string, password: string, appKey: string | undefined) {
  const { seedDemo } = await import('@mfiq/api/seed');
  const db = createDb(ownerUrl, { max: 2, applicationName: 'mfiq-seed' });
  try {
    // The web seals and opens form links with this key; without one the demo has no form.
    return await seedDemo(db, { password, ...(appKey ? { appKey } : {}) });
  } finally {
    await db.destroy();
  }
}

// ---------------------------------------------------------------------------------------------------
// 7. The web build: rebuilt when missing or older than anything it is built from.

async function newestMtime(target: string, skip: (p: string) => boolean = () => false): Promise<number> {
  if (!existsSync(target) || skip(target)) return 0;
  const info = await stat(target);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = 0;
  for (const entry of await readdir(target)) {
    if (entry === 'node_modules' || entry === 'build' || entry.startsWith('.')) continue;
    newest = Math.max(newest, await newestMtime(path.join(target, entry), skip));
  }
  return newest;
}

async function buildWebIfStale(): Promise<void> {
  const buildDir = path.join(WEB_DIR, 'build');
  const isTest = (p: string) => /\.test\.tsx?$/.test(p) || p.endsWith(`${path.sep}test`);
  const inputs = [
    ...['app', 'public', 'server', 'server.ts', 'vite.config.ts', 'package.json', 'tsconfig.json'].map((p) =>
      path.join(WEB_DIR, p),
    ),
    ...['api', 'auth', 'db'].map((p) => path.join(ROOT, 'packages', p, 'src')),
    path.join(ROOT, 'pnpm-lock.yaml'),
  ];
  const built = existsSync(buildDir) ? await newestMtime(buildDir) : 0;
  const sources = Math.max(...(await Promise.all(inputs.map((p) => newestMtime(p, isTest)))));
  if (built && built >= sources) return;
  say(built ? 'web sources changed: rebuilding apps/web' : 'building apps/web (first start)');
  const [command, prefix] = pnpmCommand();
  const result = spawnSync(command, [...prefix, '--filter', '@mfiq/web', 'build'], {
    cwd: ROOT,
    stdio: 'inherit',
    env: process.env,
  });
  // A Ctrl-C during the build reaches the build too; that is a stop, not a failure.
  if (result.signal) await shutdown(0, `web build interrupted (${result.signal})`);
  if (result.status !== 0) await shutdown(1, 'the web build failed');
}

// ---------------------------------------------------------------------------------------------------
// 8. Waiting for the web to answer.

function probe(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const client = url.startsWith('https:') ? https : http;
    // Our own child on loopback, possibly with a self-signed certificate: this probe only asks "up yet?".
    const req = client.get(url, { timeout: 2_000, rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}

async function waitForHealthy(url: string, web: ChildProcess): Promise<void> {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (web.exitCode !== null || shuttingDown) return new Promise<never>(() => {}); // the exit handler is shutting down
    if (await probe(url)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  await shutdown(1, `the web did not answer ${url} within ${HEALTH_TIMEOUT_MS / 1000} s`);
}

// ---------------------------------------------------------------------------------------------------
// 9. Main.

function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const inherited = { ...process.env };
  // Least privilege: each child gets only its own database URL, never the owner's.
  for (const name of [
    'DATABASE_URL',
    'APP_DATABASE_URL',
    'WORKER_DATABASE_URL',
    'RETENTION_DATABASE_URL',
    'AUDIT_CHECKPOINT_KEY',
    'SEED_DEMO',
    'EMBEDDED_PG_PORT',
    'DATA_DIR',
  ])
    delete inherited[name];
  return { ...inherited, NODE_ENV: 'production', ...extra };
}

function banner(lines: string[]): void {
  const width = Math.max(...lines.map((l) => l.length)) + 4;
  const rule = '═'.repeat(width);
  process.stdout.write(`\n${paint('32', `╔${rule}╗`)}\n`);
  for (const line of lines) process.stdout.write(`${paint('32', '║')}  ${line.padEnd(width - 2)}${paint('32', '║')}\n`);
  process.stdout.write(`${paint('32', `╚${rule}╝`)}\n\n`);
}

/**
 * What happens to mail, said plainly: without SMTP it reaches nobody, and the dev mailbox that shows
 * it exists only on a loopback-bound local install (the web enforces that, server/mailbox.ts).
 */
function mailLines(opts: { mode: 'production' | 'local'; url: string; mailboxDir: string }): string[] {
  if (env.SMTP_URL) return ['Mail: delivered through SMTP_URL.'];
  if (opts.mode === 'local' && isLoopbackBind(env.HOST) && !env.TRUST_PROXY)
    return ['Mail is not sent (SMTP_URL is not set): read it on this machine at', `  ${opts.url}/dev/mailbox`];
  const why =
    opts.mode === 'production'
      ? 'production never shows it'
      : env.TRUST_PROXY
        ? 'the web trusts a proxy (TRUST_PROXY), so visitors may be anywhere'
        : `the web listens on ${env.HOST}, not only on this machine`;
  return [
    'Mail is NOT sent: SMTP_URL is not set. Sign-up confirmations, password',
    `resets and invitations are written as files to ${shown(opts.mailboxDir)}/`,
    'and reach nobody. The /dev/mailbox page is off',
    `(${why}): read the files on this machine, or set SMTP_URL to deliver mail.`,
  ];
}

/** The application keys web and worker are given: the environment's, else the local install's own. */
function appKeys(creds: Credentials): Record<string, string> {
  const keys: Record<string, string | undefined> = {
    APP_ENCRYPTION_KEY: env.APP_ENCRYPTION_KEY ?? creds.appKey,
    FORM_SECRET: env.FORM_SECRET ?? creds.formSecret,
    BACKUP_KEYS: env.BACKUP_KEYS ?? creds.backupKeys,
    BACKUP_ACTIVE_KEY: env.BACKUP_ACTIVE_KEY,
  };
  return Object.fromEntries(Object.entries(keys).filter((e): e is [string, string] => e[1] !== undefined));
}

async function main(): Promise<void> {
  const embedded = !env.DATABASE_URL;
  const seedDemo = embedded || env.SEED_DEMO === '1';
  // The embedded database is a local install; a database of your own is production (ADR 0100).
  const mode = env.APP_ENV ?? (embedded ? 'local' : 'production');

  const bindHost = env.HOST;
  if (!(await portIsFree(env.PORT, bindHost))) {
    fail(
      `PORT ${env.PORT} is already in use on ${bindHost}: stop what is using it, or choose another, e.g. PORT=3001 npm start`,
    );
  }
  const backupDir = env.BACKUP_DIR ? path.resolve(env.BACKUP_DIR) : path.join(DATA_DIR, 'backups');
  const creds = await ensureCredentials({ server: embedded, demo: seedDemo, keys: mode === 'local', backupDir });
  if (mode === 'production') {
    const missing = PRODUCTION_KEYS.filter((name) => !env[name]);
    if (missing.length) {
      const earlier = creds.appKey && missing.includes('APP_ENCRYPTION_KEY');
      fail(
        `Production (DATABASE_URL) needs keys of its own, kept in your secret store: ${missing.join(', ')} ` +
          `(see the README's configuration table).` +
          (earlier
            ? `\n      An earlier version generated APP_ENCRYPTION_KEY in ${shown(CREDENTIALS_FILE)} (appKey): set it to that value,` +
              ' or two-factor secrets sealed with it cannot be opened.'
            : ''),
      );
    }
  }
  const keys = appKeys(creds);
  installSignalHandlers();
  const urls: DatabaseUrls = embedded
    ? await startEmbedded(env, creds)
    : {
        owner: env.DATABASE_URL!,
        app: env.APP_DATABASE_URL!,
        worker: env.WORKER_DATABASE_URL!,
        retention: env.RETENTION_DATABASE_URL,
      };
  const checkpointKey = embedded ? creds.auditCheckpointKey : env.AUDIT_CHECKPOINT_KEY;

  say('applying migrations');
  await migrate(urls.owner, (line) => say(`  ${line}`));

  let demo: Awaited<ReturnType<typeof seed>> | null = null;
  if (seedDemo) {
    say('seeding the demo organization');
    demo = await seed(urls.owner, creds.demoPassword!, keys.APP_ENCRYPTION_KEY);
  }

  await buildWebIfStale();
  if (shuttingDown) return;

  // Without SMTP_URL the worker writes mail to files; the local install's web may show them (loopback only).
  const mailboxDir = path.join(DATA_DIR, 'mailbox');
  const workerMail: Record<string, string> = env.SMTP_URL ? {} : { MAILBOX_DIR: mailboxDir };
  const webMail: Record<string, string> =
    env.SMTP_URL || mode === 'production' ? {} : { MAILBOX_DIR: mailboxDir, MAILBOX_ENABLED: '1' };
  const backupKeys: Record<string, string> = Object.fromEntries(
    Object.entries(keys).filter(([name]) => name.startsWith('BACKUP_')),
  );
  const scheme = env.TLS_CERT_FILE && env.TLS_KEY_FILE ? 'https' : 'http';
  const probeHost = ['0.0.0.0', '::'].includes(bindHost)
    ? '127.0.0.1'
    : bindHost.includes(':')
      ? `[${bindHost}]`
      : bindHost;
  const shownHost = ['127.0.0.1', '0.0.0.0', '::', '::1', 'localhost'].includes(bindHost) ? 'localhost' : probeHost;
  const url = `${scheme}://${shownHost}:${env.PORT}`;
  startChild('worker', '35', ['--import', 'tsx', path.join(ROOT, 'apps/worker/src/main.ts')], {
    cwd: path.join(ROOT, 'apps/worker'),
    env: childEnv({
      APP_ENV: mode,
      WORKER_DATABASE_URL: urls.worker,
      ...workerMail,
      // Web (exports) and worker (backups) share one folder and key ring, whatever their working directories.
      BACKUP_DIR: backupDir,
      ...backupKeys,
      // The worker opens the webhook URLs and secrets the web sealed, and links alert mail to the web.
      ...(keys.APP_ENCRYPTION_KEY ? { APP_ENCRYPTION_KEY: keys.APP_ENCRYPTION_KEY } : {}),
      ...(env.PUBLIC_URL ? {} : { PUBLIC_URL: url }),
    }),
  });
  // Audit retention is its own process: only it holds the retention role and the checkpoint key.
  if (urls.retention && checkpointKey) {
    startChild('retention', '90', ['--import', 'tsx', path.join(ROOT, 'apps/worker/src/retention-main.ts')], {
      cwd: path.join(ROOT, 'apps/worker'),
      env: childEnv({ RETENTION_DATABASE_URL: urls.retention, AUDIT_CHECKPOINT_KEY: checkpointKey }),
    });
  } else {
    say('audit retention is not running: set RETENTION_DATABASE_URL and AUDIT_CHECKPOINT_KEY to purge expired events');
  }
  const web = startChild('web', '34', ['--import', 'tsx', path.join(WEB_DIR, 'server.ts')], {
    cwd: WEB_DIR,
    env: childEnv({
      APP_ENV: mode,
      APP_DATABASE_URL: urls.app,
      PORT: String(env.PORT),
      HOST: env.HOST,
      BACKUP_DIR: backupDir,
      ...webMail,
      ...keys,
    }),
  });

  await waitForHealthy(`${scheme}://${probeHost}:${env.PORT}/healthz`, web);

  const lines = [`Metric Flow IQ is running at ${url}`];
  if (env.PUBLIC_URL) lines.push(`Public address (PUBLIC_URL): ${env.PUBLIC_URL}`);
  else if (['0.0.0.0', '::'].includes(bindHost))
    lines.push(
      `Other machines: ${scheme}://<this machine's IP address>:${env.PORT} (set PUBLIC_URL to use a host name)`,
    );
  lines.push('');
  if (demo) {
    const password = creds.demoPassword!;
    lines.push(`Demo organization: ${url}/orgs/${demo.organizationSlug}`, 'Sign in as:');
    const widest = Math.max(...demo.users.map((u) => u.email.length));
    for (const u of demo.users) lines.push(`  ${u.email.padEnd(widest)}  ${u.role.padEnd(6)}  password: ${password}`);
    if (demo.formPath) lines.push('', 'Public data form (no sign-in):', `  ${url}${demo.formPath}`);
    lines.push('');
  }
  lines.push(...mailLines({ mode, url, mailboxDir }), '');
  lines.push(embedded ? `Database: embedded PostgreSQL, data in ${shown(PG_DIR)}/` : 'Database: DATABASE_URL');
  lines.push('Press Ctrl-C to stop.');
  banner(lines);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${paint('31', '[run]')} ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  void shutdown(1, 'start-up failed');
});
