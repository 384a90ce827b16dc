import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { createDb, type Database } from '../client.ts';
import { roleUrl, ROLE_NAMES, RUNTIME_ROLES, type RolePasswords } from '../roles.ts';

export const TEMPLATE_DB = 'mfiq_template';

export interface TestCluster {
  adminUrl: string;
  passwords: RolePasswords;
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgCluster: TestCluster;
  }
}

export interface TestDatabase {
  name: string;
  urls: { owner: string; app: string; worker: string; retention: string; admin: string };
  /** The cluster's superuser, which bypasses RLS: for inspecting results in tests, never for code under test. */
  admin: Database;
  /** Connected as the owner role: fixtures and catalog checks only, never the code under test. */
  owner: Database;
  /** Connected as the web's runtime role, subject to row-level security. */
  app: Database;
  /** Connected as the worker's runtime role. */
  worker: Database;
  /** Connected as the audit retention job's role. */
  retention: Database;
  drop(): Promise<void>;
}

export function testCluster(): TestCluster {
  try {
    return inject('pgCluster');
  } catch {
    const raw = process.env.MFIQ_TEST_CLUSTER;
    if (!raw) throw new Error('No test PostgreSQL: run tests through vitest with the root config.');
    return JSON.parse(raw) as TestCluster;
  }
}

/** A fresh database cloned from the migrated template, for one test file. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const cluster = testCluster();
  const name = `t_${randomBytes(6).toString('hex')}`;
  const superuser = new pg.Client({ connectionString: cluster.adminUrl });
  await superuser.connect();
  try {
    await superuser.query(`create database ${name} template ${TEMPLATE_DB} owner ${ROLE_NAMES.owner}`);
    await superuser.query(`revoke all on database ${name} from public`);
    await superuser.query(`grant connect on database ${name} to ${RUNTIME_ROLES.join(', ')}`);
  } finally {
    await superuser.end();
  }
  const urls = {
    admin: roleUrl(cluster.adminUrl, 'postgres', new URL(cluster.adminUrl).password, name),
    owner: roleUrl(cluster.adminUrl, ROLE_NAMES.owner, cluster.passwords.owner, name),
    app: roleUrl(cluster.adminUrl, ROLE_NAMES.app, cluster.passwords.app, name),
    worker: roleUrl(cluster.adminUrl, ROLE_NAMES.worker, cluster.passwords.worker, name),
    retention: roleUrl(cluster.adminUrl, ROLE_NAMES.retention, cluster.passwords.retention, name),
  };
  const admin = createDb(urls.admin, { max: 2, applicationName: 'test-admin' });
  const owner = createDb(urls.owner, { max: 4, applicationName: 'test-owner' });
  const app = createDb(urls.app, { max: 8, applicationName: 'test-app' });
  const worker = createDb(urls.worker, { max: 4, applicationName: 'test-worker' });
  const retention = createDb(urls.retention, { max: 2, applicationName: 'test-retention' });
  return {
    name,
    urls,
    admin,
    owner,
    app,
    worker,
    retention,
    async drop() {
      await Promise.all([admin.destroy(), owner.destroy(), app.destroy(), worker.destroy(), retention.destroy()]);
      const c = new pg.Client({ connectionString: cluster.adminUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`).catch(() => {});
      await c.end();
    },
  };
}
