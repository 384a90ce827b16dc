import { CamelCasePlugin, Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import Cursor from 'pg-cursor';
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
  return new Kysely<DB>({
    dialect: new PostgresDialect({ pool: lastResultPool(pool), cursor: Cursor }),
    plugins: [new CamelCasePlugin()],
  });
}

/**
 * A multi-statement query (simple protocol) resolves to one result per statement. withTenant sends
 * BEGIN with its settings that way to save a round trip; Kysely expects one result, so the pool
 * hands Kysely clients whose query() answers with the last statement's result.
 */
function lastResultPool(pool: pg.Pool) {
  return {
    async connect() {
      const client = await pool.connect();
      return new Proxy(client, {
        get(target, key, receiver) {
          if (key !== 'query') return Reflect.get(target, key, receiver);
          return (...args: unknown[]) => {
            const out: unknown = (target.query as (...a: unknown[]) => unknown).apply(target, args);
            // Cursors (Kysely's stream()) come back as they are; only query promises are unwrapped.
            if (!(out instanceof Promise)) return out;
            return out.then((result: unknown) => (Array.isArray(result) ? result[result.length - 1] : result));
          };
        },
      });
    },
    end: () => pool.end(),
  };
}
