import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../embedded.ts';
import { migrate } from '../migrate.ts';
import { provisionRoles, roleUrl, ROLE_NAMES, type RolePasswords } from '../roles.ts';
import { TEMPLATE_DB, type TestCluster } from './cluster.ts';

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

/**
 * One throwaway PostgreSQL per test run: roles provisioned with fresh random passwords, a template
 * database migrated once; each test file clones the template (see cluster.ts).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mfiq-test-pg-'));
  const adminPassword = randomBytes(18).toString('base64url');
  const server = await startEmbeddedPostgres({ dir: path.join(dir, 'data'), port: await freePort(), adminPassword, persistent: false, throwaway: true });
  const passwords: RolePasswords = {
    owner: randomBytes(18).toString('base64url'),
    app: randomBytes(18).toString('base64url'),
    worker: randomBytes(18).toString('base64url'),
  };
  await provisionRoles(server.adminUrl, TEMPLATE_DB, passwords);
  await migrate(roleUrl(server.adminUrl, ROLE_NAMES.owner, passwords.owner, TEMPLATE_DB));
  const cluster: TestCluster = { adminUrl: server.adminUrl, passwords };
  project.provide('pgCluster', cluster);
  process.env.MFIQ_TEST_CLUSTER = JSON.stringify(cluster);
  return async () => {
    await server.stop().catch(() => {});
    await rm(dir, { recursive: true, force: true }).catch(() => {});
  };
}
