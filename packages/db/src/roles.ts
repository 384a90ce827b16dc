import pg from 'pg';

/**
 * The database roles. Names are fixed because migrations grant to them by name; passwords come
 * from the caller (generated at first start for the embedded server, set by the operator otherwise).
 * `retention` is the audit retention job's own role: the only one that may delete audit_log rows.
 */
export const ROLE_NAMES = {
  owner: 'mfiq_owner',
  app: 'mfiq_app',
  worker: 'mfiq_worker',
  retention: 'mfiq_retention',
} as const;

/**
 * Server-side bounds on every session of a runtime role, whatever its client sends: a statement
 * runs at most this long, and a transaction left idle this long ends the session (its locks and
 * connection slot come back). Set on the roles themselves so they also hold behind pgbouncer,
 * which passes no per-connection startup settings. The pools may ask for less (DbOptions).
 */
export const ROLE_TIMEOUTS: Record<(typeof RUNTIME_ROLES)[number], { statement: string; idleInTransaction: string }> = {
  mfiq_app: { statement: '15s', idleInTransaction: '30s' },
  mfiq_worker: { statement: '5min', idleInTransaction: '2min' },
  mfiq_retention: { statement: '5min', idleInTransaction: '2min' },
};

/** Roles that connect to the database at run time (everyone but the owner). */
export const RUNTIME_ROLES = [ROLE_NAMES.app, ROLE_NAMES.worker, ROLE_NAMES.retention] as const;

export type RolePasswords = Record<keyof typeof ROLE_NAMES, string>;

function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * Creates (or updates) the roles and the database, connected as an administrator of the server.
 * Runtime roles are created NOSUPERUSER NOBYPASSRLS explicitly, so the boundary holds for them even
 * if a server's defaults change. Idempotent.
 */
export async function provisionRoles(adminUrl: string, database: string, passwords: RolePasswords): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    for (const [key, name] of Object.entries(ROLE_NAMES) as [keyof typeof ROLE_NAMES, string][]) {
      const exists = await client.query('select 1 from pg_roles where rolname = $1', [name]);
      const verb = exists.rowCount ? 'alter' : 'create';
      await client.query(
        `${verb} role ${name} login nosuperuser nobypassrls nocreatedb nocreaterole noinherit password ${quoteLiteral(passwords[key])}`,
      );
    }
    for (const [name, t] of Object.entries(ROLE_TIMEOUTS)) {
      await client.query(`alter role ${name} set statement_timeout = ${quoteLiteral(t.statement)}`);
      await client.query(
        `alter role ${name} set idle_in_transaction_session_timeout = ${quoteLiteral(t.idleInTransaction)}`,
      );
    }
    const db = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (!db.rowCount) await client.query(`create database "${database.replace(/"/g, '')}" owner ${ROLE_NAMES.owner}`);
    await client.query(`revoke all on database "${database}" from public`);
    await client.query(`grant connect on database "${database}" to ${RUNTIME_ROLES.join(', ')}`);
  } finally {
    await client.end();
  }
}

/** Replaces user, password and database of a connection URL. */
export function roleUrl(baseUrl: string, user: string, password: string, database?: string): string {
  const url = new URL(baseUrl);
  url.username = encodeURIComponent(user);
  url.password = encodeURIComponent(password);
  if (database) url.pathname = `/${database}`;
  return url.toString();
}
