import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import pg from 'pg';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations/', import.meta.url));

export interface MigrationFile {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f)).sort();
  return Promise.all(
    files.map(async (file) => {
      const sql = await readFile(path.join(dir, file), 'utf8');
      return {
        version: Number(file.slice(0, 4)),
        name: file.replace(/\.sql$/, ''),
        sql,
        checksum: createHash('sha256').update(sql).digest('hex'),
      };
    }),
  );
}

const LOCK_KEY = 72_010_001; // advisory lock: one migrator at a time across processes

/**
 * Applies pending SQL migrations in order, each in its own transaction, as the owner connection.
 * An applied migration whose file changed is refused: history is append-only.
 */
export async function migrate(ownerUrl: string, log: (line: string) => void = () => {}): Promise<string[]> {
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  const applied: string[] = [];
  try {
    await client.query('select pg_advisory_lock($1)', [LOCK_KEY]);
    await client.query(`create table if not exists schema_migrations (
      version integer primary key, name text not null, checksum text not null,
      applied_at timestamptz not null default now())`);
    const done = new Map(
      (
        await client.query<{ version: number; checksum: string; name: string }>(
          'select version, checksum, name from schema_migrations',
        )
      ).rows.map((r) => [r.version, r]),
    );
    for (const m of await readMigrations()) {
      const prior = done.get(m.version);
      if (prior) {
        if (prior.checksum !== m.checksum) {
          throw new Error(`Migration ${m.name} was changed after it was applied; add a new migration instead.`);
        }
        continue;
      }
      await client.query('begin');
      try {
        await client.query(m.sql);
        await client.query('insert into schema_migrations (version, name, checksum) values ($1, $2, $3)', [
          m.version,
          m.name,
          m.checksum,
        ]);
        await client.query('commit');
      } catch (error) {
        await client.query('rollback');
        throw new Error(`Migration ${m.name} failed: ${(error as Error).message}`, { cause: error });
      }
      applied.push(m.name);
      log(`applied ${m.name}`);
    }
    await installWorkerSchema(ownerUrl, client);
  } finally {
    await client.query('select pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => {});
    await client.end();
  }
  return applied;
}

/**
 * graphile-worker's schema is installed by the owner (so the worker role needs no CREATE on the
 * database), then the runtime roles get exactly what graphile-worker needs to run and queue jobs.
 */
async function installWorkerSchema(ownerUrl: string, client: pg.Client): Promise<void> {
  const { runMigrations, Logger } = await import('graphile-worker');
  await runMigrations({ connectionString: ownerUrl, logger: new Logger(() => () => {}) });
  await client.query(`
    grant usage on schema graphile_worker to mfiq_worker, mfiq_app;
    grant select, insert, update, delete on all tables in schema graphile_worker to mfiq_worker;
    grant usage, select, update on all sequences in schema graphile_worker to mfiq_worker;
    grant execute on all functions in schema graphile_worker to mfiq_worker, mfiq_app;
    grant select, insert, update on all tables in schema graphile_worker to mfiq_app;
    grant usage, select on all sequences in schema graphile_worker to mfiq_app;
  `);
  // graphile-worker enables row-level security on its private tables and adds no policy, so only their
  // owner could use them. The runtime roles neither own them nor bypass RLS: each gets an explicit
  // policy; what it may do there is still bounded by the grants above. Created only when missing, so
  // a re-run never leaves a window without a policy under running workers.
  await client.query(`
    do $$
    declare t record;
    begin
      for t in select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
                where n.nspname = 'graphile_worker' and c.relkind = 'r' and c.relrowsecurity loop
        if not exists (select 1 from pg_policies where schemaname = 'graphile_worker' and tablename = t.relname and policyname = 'runtime_worker') then
          execute format('create policy runtime_worker on graphile_worker.%I to mfiq_worker using (true) with check (true)', t.relname);
        end if;
        -- The web enqueues jobs (add_job touches jobs, job queues and task identifiers).
        if t.relname in ('_private_jobs', '_private_job_queues', '_private_tasks')
           and not exists (select 1 from pg_policies where schemaname = 'graphile_worker' and tablename = t.relname and policyname = 'runtime_app_enqueue') then
          execute format('create policy runtime_app_enqueue on graphile_worker.%I to mfiq_app using (true) with check (true)', t.relname);
        end if;
      end loop;
    end $$;`);
}

/** Names of migrations present on disk but not applied: empty means the schema is current. */
export async function pendingMigrations(
  query: (sql: string) => Promise<{ rows: { version: number }[] }>,
): Promise<string[]> {
  const files = await readMigrations();
  let applied: Set<number>;
  try {
    applied = new Set((await query('select version from schema_migrations')).rows.map((r) => r.version));
  } catch {
    return files.map((f) => f.name);
  }
  return files.filter((f) => !applied.has(f.version)).map((f) => f.name);
}
