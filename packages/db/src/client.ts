import { CamelCasePlugin, Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { DB } from './generated/db.ts';

// int8 (count(*), bigint sums) arrive as strings by default; values this app counts fit in a double.
pg.types.setTypeParser(20, (v) => Number(v));
// numeric stays a string unless a query casts it: precision is the caller's choice.

export type Database = Kysely<DB>;

export interface DbOptions {
  max?: number;
  applicationName?: string;
  /** Milliseconds a statement may run; applies to every statement of the pool's connections. */
  statementTimeoutMs?: number;
}

/** A Kysely instance on its own pool. The role is whatever the URL names; see docs/decisions. */
export function createDb(url: string, opts: DbOptions = {}): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    application_name: opts.applicationName ?? 'mfiq',
    statement_timeout: opts.statementTimeoutMs ?? 15_000,
    idleTimeoutMillis: 30_000,
  });
  pool.on('error', () => {}); // idle client errors surface on the next checkout instead of crashing
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool }), plugins: [new CamelCasePlugin()] });
}
