import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../embedded.ts';
import { migrate } from '../migrate.ts';
import { provisionRoles, roleUrl, ROLE_NAMES, type RolePasswords } from '../roles.ts';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface ThrowawayCluster {
  adminUrl: string;
  passwords: RolePasswords;
  /** Role URLs for `database` (migrated when the cluster started). */
  urls: { admin: string; owner: string; app: string; worker: string; retention: string };
  stop(): Promise<void>;
}

/**
 * A PostgreSQL for one test or benchmark run: a temporary data directory, roles with fresh random
 * passwords, one migrated database. Nothing of it outlives stop().
 */
export async function startThrowawayCluster(database: string): Promise<ThrowawayCluster> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mfiq-pg-'));
  const adminPassword = randomBytes(18).toString('base64url');
  const server = await startEmbeddedPostgres({
    dir: path.join(dir, 'data'),
    port: await freePort(),
    adminPassword,
    persistent: false,
    throwaway: true,
  });
  const passwords: RolePasswords = {
    owner: randomBytes(18).toString('base64url'),
    app: randomBytes(18).toString('base64url'),
    worker: randomBytes(18).toString('base64url'),
    retention: randomBytes(18).toString('base64url'),
  };
  await provisionRoles(server.adminUrl, database, passwords);
  const urls = {
    admin: roleUrl(server.adminUrl, 'postgres', adminPassword, database),
    owner: roleUrl(server.adminUrl, ROLE_NAMES.owner, passwords.owner, database),
    app: roleUrl(server.adminUrl, ROLE_NAMES.app, passwords.app, database),
    worker: roleUrl(server.adminUrl, ROLE_NAMES.worker, passwords.worker, database),
    retention: roleUrl(server.adminUrl, ROLE_NAMES.retention, passwords.retention, database),
  };
  await migrate(urls.owner);
  return {
    adminUrl: server.adminUrl,
    passwords,
    urls,
    async stop() {
      await server.stop().catch(() => {});
      await rm(dir, { recursive: true, force: true }).catch(() => {});
    },
  };
}
