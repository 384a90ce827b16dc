import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { backupEnvSchema } from '@mfiq/backup';
import { createDb, migrate, ROLE_NAMES, roleUrl, sql, withNewTenant, withTenant, type Database } from '@mfiq/db';
import { startEmbeddedPostgres } from '@mfiq/db/embedded';
import { freePort } from '@mfiq/db/testing';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { LAUNCHER_ENV_VARIABLES } from '../../../scripts/launcher-env.ts';
import { WORKER_ENV_VARIABLES } from '../../worker/src/config.ts';
import { WEB_ENV_VARIABLES } from '../app/config.server.ts';
import { WEB_DIR } from './harness.ts';

/**
 * Finding 13 of issue 11: the README's production path must work as written. Its SQL block runs
 * verbatim (the '...' passwords filled in) on a fresh server, the migrations run as the owner, and
 * each runtime role then does its job and no more. And every variable the apps read is documented.
 */
const README = path.resolve(WEB_DIR, '../../README.md');

/** The SQL block of the production path, with its list indentation removed. */
function productionSql(readme: string): string {
  const section = readme.slice(readme.indexOf('## Production path'));
  const block = /```sql\n([\s\S]*?)\n\s*```/.exec(section)?.[1];
  if (!block) throw new Error('no ```sql block under "## Production path" in README.md');
  return block.replace(/^ {3}/gm, '');
}

/** Each statement as psql would send it (CREATE DATABASE cannot share a transaction with others). */
const statements = (text: string) =>
  text
    .split(/;\s*$/m)
    .map((s) => s.trim())
    .filter(Boolean);

async function attempt(db: Database, statement: string): Promise<{ code: string } | { rows: unknown[] }> {
  try {
    return { rows: (await sql.raw(statement).execute(db)).rows };
  } catch (error) {
    return { code: (error as { code?: string }).code ?? 'unknown' };
  }
}

describe("the README's production path", () => {
  it('step 1 run verbatim on a fresh server, then step 2 as the owner: the runtime roles work, within their bounds', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mfiq-readme-'));
    const server = await startEmbeddedPostgres({
      dir: path.join(dir, 'data'),
      port: await freePort(),
      adminPassword: randomBytes(18).toString('base64url'),
      persistent: false,
      throwaway: true,
    });
    const dbs: Database[] = [];
    try {
      const passwords = new Map<string, string>();
      const script = productionSql(await readFile(README, 'utf8')).replace(
        /create role (\w+)([^;]*?)password '\.\.\.'/g,
        (_all, role: string, options: string) => {
          passwords.set(role, randomBytes(18).toString('base64url'));
          return `create role ${role}${options}password '${passwords.get(role)}'`;
        },
      );
      // Every role the migrations grant to (packages/db/src/roles.ts) is created by the block.
      expect([...passwords.keys()].sort()).toEqual(Object.values(ROLE_NAMES).sort());
      const admin = new pg.Client({ connectionString: server.adminUrl });
      await admin.connect();
      try {
        for (const statement of statements(script)) await admin.query(statement);
      } finally {
        await admin.end();
      }
      const url = (role: string) => roleUrl(server.adminUrl, role, passwords.get(role)!, 'mfiq');

      await migrate(url('mfiq_owner'));

      const connect = (role: string) => {
        const db = createDb(url(role), { max: 1, applicationName: `readme-${role}` });
        dbs.push(db);
        return db;
      };
      const app = connect('mfiq_app');
      const worker = connect('mfiq_worker');
      const retention = connect('mfiq_retention');
      for (const db of [app, worker, retention]) {
        const me = await sql<{ rolsuper: boolean; rolbypassrls: boolean; owns: number }>`
          select r.rolsuper, r.rolbypassrls,
                 (select count(*)::int from pg_tables where tableowner = current_user) as owns
            from pg_roles r where r.rolname = current_user`.execute(db);
        expect(me.rows[0]).toEqual({ rolsuper: false, rolbypassrls: false, owns: 0 });
        expect(await attempt(db, 'create table intruder (id int)')).toEqual({ code: '42501' });
      }

      // The app works inside one tenant and sees nothing of another.
      const [mine, theirs] = [randomUUID(), randomUUID()];
      for (const tenantId of [mine, theirs])
        await withNewTenant(app, { tenantId }, (trx) =>
          trx
            .insertInto('organizations')
            .values({ tenantId, slug: `readme-${tenantId.slice(0, 8)}`, name: 'Readme' })
            .execute(),
        );
      const seen = await withTenant(app, { tenantId: mine }, (trx) =>
        trx.selectFrom('organizations').select('tenantId').execute(),
      );
      expect(seen).toEqual([{ tenantId: mine }]);

      // The worker runs the job queue; the retention role reads the audit log it prunes.
      expect(await attempt(worker, "select graphile_worker.add_job('readme_probe')")).toMatchObject({ rows: [{}] });
      expect(await attempt(worker, 'select count(*)::int as n from graphile_worker.jobs')).toEqual({
        rows: [{ n: 1 }],
      });
      expect(await attempt(retention, 'select count(*)::int as n from audit_log')).toEqual({ rows: [{ n: 0 }] });
    } finally {
      await Promise.all(dbs.map((db) => db.destroy()));
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe("the README's configuration table", () => {
  it('has a row for every variable the web, the worker, the backups and the launcher read', async () => {
    const readme = await readFile(README, 'utf8');
    const section = readme.slice(
      readme.indexOf('## Configuration'),
      readme.indexOf('\n## ', readme.indexOf('## Configuration') + 1),
    );
    const documented = new Set(
      section
        .split('\n')
        .filter((line) => line.startsWith('| `'))
        .flatMap((line) => [...(line.split('|')[1] ?? '').matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]!)),
    );
    const read = {
      web: WEB_ENV_VARIABLES,
      worker: WORKER_ENV_VARIABLES,
      backups: Object.keys(backupEnvSchema),
      launcher: LAUNCHER_ENV_VARIABLES,
    };
    for (const [reader, variables] of Object.entries(read)) {
      expect(variables.length, reader).toBeGreaterThan(3);
      expect(
        variables.filter((v) => !documented.has(v)),
        `read by the ${reader} but missing from the README's table`,
      ).toEqual([]);
    }
  });
});
