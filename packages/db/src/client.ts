import { CamelCasePlugin, Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient } from 'kysely';
import pg from 'pg';
import Cursor from 'pg-cursor';
import type { DB } from './generated/db.ts';

// int8 (count(*), bigint sums) arrive as strings by default; values this app counts fit in a double.
pg.types.setTypeParser(20, (v) => Number(v));
// numeric stays a string unless a query casts it: precision is the caller's choice.

export type Database = Kysely<DB>;

/** Bounds of a pool, from each app's configuration (README: DB_POOL_*, DB_*_TIMEOUT_MS). */
export interface DbOptions {
  max?: number;
  applicationName?: string;
  /** Milliseconds a statement may run on this pool's connections (0: the role's own setting). */
  statementTimeoutMs?: number;
  /** Milliseconds a transaction may sit idle before the server ends the session (0: the role's setting). */
  idleInTransactionTimeoutMs?: number;
  /** Milliseconds a caller waits for a free connection before the request fails (never forever). */
  acquireTimeoutMs?: number;
  /**
   * Behind pgbouncer in transaction mode: no startup parameters (pgbouncer refuses unknown ones), so
   * the timeouts come from the roles' own settings (provisionRoles and the README's SQL set them).
   */
  viaPgbouncer?: boolean;
}

export const POOL_DEFAULTS = {
  max: 10,
  statementTimeoutMs: 15_000,
  idleInTransactionTimeoutMs: 30_000,
  acquireTimeoutMs: 5_000,
} as const;

/** The message pg-pool gives when no connection was free in time; the API maps it to 503. */
export const ACQUIRE_TIMEOUT_MESSAGE = 'timeout exceeded when trying to connect';

/** A Kysely instance on its own pool. The role is whatever the URL names; see docs/decisions. */
export function createDb(url: string, opts: DbOptions = {}): Database {
  // 0 (or pgbouncer) leaves the role's own setting in force; never "no limit".
  const statement = opts.statementTimeoutMs ?? POOL_DEFAULTS.statementTimeoutMs;
  const idle = opts.idleInTransactionTimeoutMs ?? POOL_DEFAULTS.idleInTransactionTimeoutMs;
  const startup = opts.viaPgbouncer
    ? {}
    : {
        ...(statement > 0 ? { statement_timeout: statement } : {}),
        ...(idle > 0 ? { idle_in_transaction_session_timeout: idle } : {}),
      };
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? POOL_DEFAULTS.max,
    application_name: opts.applicationName ?? 'mfiq',
    connectionTimeoutMillis: opts.acquireTimeoutMs ?? POOL_DEFAULTS.acquireTimeoutMs,
    idleTimeoutMillis: 30_000,
    ...startup,
  });
  pool.on('error', () => {}); // idle client errors surface on the next checkout instead of crashing
  return new Kysely<DB>({
    dialect: new PostgresDialect({ pool: guardedPool(pool), cursor: Cursor }),
    plugins: [new CamelCasePlugin()],
  });
}

/** What node-postgres keeps of a connection that this module uses (pg 8.23; read from its source). */
interface RawClient extends pg.PoolClient {
  getTransactionStatus(): string | null;
}

/**
 * What Kysely gets instead of the pool, for two reasons:
 * - A multi-statement query (simple protocol) resolves to one result per statement. The tenant
 *   entry sends BEGIN with its entry statement that way to save a round trip; Kysely expects one
 *   result, so query() answers with the last statement's result.
 * - A connection released while still inside a transaction (a failed ROLLBACK, a lost COMMIT) is
 *   destroyed, never reused: it could carry one tenant's settings or locks into the next request.
 * One plain wrapper per connection, made once (ADR 0141): Kysely keeps its own connection object per
 * client it is given, so the proxy per checkout this used to be made both again on every request,
 * and its trap ran on every property read.
 */
function guardedPool(pool: pg.Pool): PostgresPool {
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  // The server can end a checked-out session (idle_in_transaction_session_timeout, an operator's
  // pg_terminate_backend): the query in flight fails, and this listener keeps the client's 'error'
  // event from becoming an uncaught exception that would stop the process. pg-pool's own listener
  // still removes a broken idle client.
  const ignore = () => {};
  const wrap = (client: RawClient): PostgresPoolClient => ({
    query(...args: unknown[]): never {
      const out: unknown = (client.query as (...a: unknown[]) => unknown).apply(client, args);
      // Cursors (Kysely's stream()) come back as they are; only query promises are unwrapped.
      return (out instanceof Promise ? out.then(lastResult) : out) as never;
    },
    release(err?: Error | boolean) {
      // pg 8.23's transaction status from the last ReadyForQuery: 'I' idle, 'T' in a transaction, 'E' failed one.
      const status = client.getTransactionStatus();
      client.release(err || (status !== null && status !== 'I'));
    },
  });
  return {
    async connect() {
      const client = await pool.connect();
      let wrapper = wrappers.get(client);
      if (!wrapper) {
        client.on('error', ignore);
        wrapper = wrap(client as RawClient);
        wrappers.set(client, wrapper);
      }
      return wrapper;
    },
    end: () => pool.end(),
  };
}

const lastResult = (result: unknown) => (Array.isArray(result) ? (result[result.length - 1] as unknown) : result);

/**
 * A plain node-postgres pool for libraries that take one (rate-limiter-flexible's PostgreSQL store).
 * Behind pgbouncer in transaction mode, each statement may run on another server session, so a
 * named prepared statement would be missing there or exist twice: names are dropped (the statement
 * is prepared unnamed, per call), and no start-up parameters are sent.
 */
export function createStorePool(
  url: string,
  opts: { max: number; applicationName: string; statementTimeoutMs?: number; viaPgbouncer?: boolean },
): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max,
    application_name: opts.applicationName,
    ...(opts.statementTimeoutMs && !opts.viaPgbouncer ? { statement_timeout: opts.statementTimeoutMs } : {}),
  });
  pool.on('error', () => {}); // idle client errors surface on the next checkout instead of crashing
  if (!opts.viaPgbouncer) return pool;
  return new Proxy(pool, {
    get(target, key, receiver) {
      if (key !== 'query') return Reflect.get(target, key, receiver) as unknown;
      return (query: unknown, ...rest: unknown[]) => {
        const unnamed =
          typeof query === 'object' && query !== null && 'name' in query ? { ...query, name: undefined } : query;
        return (target.query as (...a: unknown[]) => unknown).call(target, unnamed, ...rest);
      };
    },
  });
}
