import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './throwaway.ts';

/** Debian's pgbouncer (`apt-get install pgbouncer`), or null where it is not installed. */
export const PGBOUNCER_BIN = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer'].find((p) => existsSync(p)) ?? null;

export interface RunningPgbouncer {
  /** The same role, password and database as `directUrl`, through pgbouncer. */
  via(directUrl: string): string;
  stop(): Promise<void>;
}

const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;

async function accepting(port: number, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`pgbouncer did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A pgbouncer in transaction pooling mode in front of the servers and databases the given URLs name,
 * for tests and benchmarks: loopback only, a temporary directory, the roles' passwords in its auth
 * file. As root it runs as the `postgres` user (pgbouncer refuses root).
 */
export async function startPgbouncer(
  directUrls: string[],
  opts: { poolSize?: number; statsUsers?: string[] } = {},
): Promise<RunningPgbouncer> {
  if (!PGBOUNCER_BIN) throw new Error('pgbouncer is not installed');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mfiq-pgbouncer-'));
  const port = await freePort();
  const databases = new Map<string, string>();
  const users = new Map<string, string>();
  for (const raw of directUrls) {
    const u = new URL(raw);
    const db = u.pathname.slice(1);
    databases.set(db, `host=${u.hostname} port=${u.port} dbname=${db}`);
    users.set(decodeURIComponent(u.username), decodeURIComponent(u.password));
  }
  const config = [
    '[databases]',
    ...[...databases].map(([name, target]) => `${name} = ${target}`),
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    'unix_socket_dir =',
    'auth_type = scram-sha-256',
    `auth_file = ${path.join(dir, 'users.txt')}`,
    'pool_mode = transaction',
    'max_client_conn = 500',
    `default_pool_size = ${opts.poolSize ?? 20}`,
    // node-postgres sends this one at start-up; it is harmless behind a pooler.
    'ignore_startup_parameters = extra_float_digits',
    `logfile = ${path.join(dir, 'pgbouncer.log')}`,
    ...(opts.statsUsers?.length ? [`stats_users = ${opts.statsUsers.join(', ')}`] : []),
    'log_connections = 0',
    'log_disconnections = 0',
  ].join('\n');
  await writeFile(path.join(dir, 'pgbouncer.ini'), `${config}\n`, { mode: 0o600 });
  const auth = [...users].map(([user, password]) => `${quote(user)} ${quote(password)}`).join('\n');
  await writeFile(path.join(dir, 'users.txt'), `${auth}\n`, { mode: 0o600 });
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { uid, gid } = await postgresIds();
    for (const f of ['', 'pgbouncer.ini', 'users.txt']) await chown(path.join(dir, f), uid, gid);
  }
  const child = spawn(PGBOUNCER_BIN, [...(asRoot ? ['-u', 'postgres'] : []), path.join(dir, 'pgbouncer.ini')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await Promise.race([
      accepting(port, 15_000),
      exited.then(() => {
        throw new Error(`pgbouncer exited: ${stderr}`);
      }),
    ]);
  } catch (error) {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    via(directUrl: string) {
      const u = new URL(directUrl);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGINT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The uid and gid of the `postgres` user (the one embedded PostgreSQL runs as when started by root). */
async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const line = (await readFile('/etc/passwd', 'utf8')).split('\n').find((l) => l.startsWith('postgres:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (!uid || !gid) throw new Error('pgbouncer refuses to run as root and there is no postgres user to run it as');
  return { uid: Number(uid), gid: Number(gid) };
}
