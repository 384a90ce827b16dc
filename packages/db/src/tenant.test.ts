import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACQUIRE_TIMEOUT_MESSAGE, createDb } from './client.ts';
import { ROLE_TIMEOUTS } from './roles.ts';
import { sql } from 'kysely';
import { Rollback, TenantLockedError, TenantNotFoundError, withNewTenant, withTenant } from './tenant.ts';
import { createTestDatabase, type TestDatabase } from './testing/index.ts';

/**
 * The tenant entry's invariants that no handler can break: a pooled connection never carries one
 * tenant's transaction into the next request, the organization lock holds on the entry every
 * per-tenant job uses, and waiting for the database is bounded.
 */
let tdb: TestDatabase;
const tenantA = randomUUID();
const lockedTenant = randomUUID();

beforeAll(async () => {
  tdb = await createTestDatabase();
  for (const [tenantId, slug] of [
    [tenantA, 'entry-a'],
    [lockedTenant, 'entry-locked'],
  ] as const) {
    await withNewTenant(tdb.owner, { tenantId }, (trx) =>
      trx.insertInto('organizations').values({ tenantId, slug, name: slug }).execute(),
    );
  }
  await withTenant(tdb.owner, { tenantId: lockedTenant }, (trx) =>
    trx.updateTable('organizations').set({ lockedAt: new Date(), lockedReason: 'test' }).execute(),
  );
});
afterAll(() => tdb.drop());

const settingsOf = (db: typeof tdb.app) =>
  sql<{
    tenant: string | null;
    pid: number;
    inTx: boolean;
  }>`select nullif(current_setting('app.tenant_id', true), '') as tenant, pg_backend_pid() as pid, now() <> statement_timestamp() as "inTx"`
    .execute(db)
    .then((r) => r.rows[0]!);

describe('pooled connections', () => {
  it('a connection given back inside a transaction is destroyed, never handed to the next caller', async () => {
    const db = createDb(tdb.urls.app, { max: 1 });
    try {
      // Whatever path leaves a transaction open (a failed ROLLBACK, a lost COMMIT), it ends like this.
      const leakedPid = await db.connection().execute(async (conn) => {
        await sql.raw(`begin; select set_config('app.tenant_id', '${tenantA}', true)`).execute(conn);
        return (await settingsOf(conn)).pid;
      });
      const next = await settingsOf(db);
      expect(next.tenant).toBeNull();
      expect(next.pid).not.toBe(leakedPid);
    } finally {
      await db.destroy();
    }
  });

  it('withTenant whose ROLLBACK fails (the server ended the session) leaves nothing behind in the pool', async () => {
    const db = createDb(tdb.urls.app, { max: 1 });
    const admin = new pg.Client({ connectionString: tdb.urls.admin });
    await admin.connect();
    try {
      const failed = await withTenant(db, { tenantId: tenantA }, async (trx) => {
        const { pid } = await settingsOf(trx);
        await admin.query('select pg_terminate_backend($1)', [pid]);
        throw new Error('the work failed after its connection died');
      }).catch((e: Error) => e);
      expect(failed.message).toMatch(/work failed/);
      // The only pool slot works at once, with no tenant and no transaction.
      for (let i = 0; i < 3; i++) expect(await settingsOf(db)).toMatchObject({ tenant: null, inTx: false });
    } finally {
      await admin.end();
      await db.destroy();
    }
  });

  it('a Rollback thrown by the work rolls back and hands its value out', async () => {
    const out = await withTenant(tdb.app, { tenantId: tenantA }, async (trx) => {
      await trx.updateTable('organizations').set({ name: 'changed then rolled back' }).execute();
      throw new Rollback('refused');
    }).catch((e: unknown) => e);
    expect(out).toBe('refused');
    const name = await withTenant(tdb.app, { tenantId: tenantA }, (trx) =>
      trx.selectFrom('organizations').select('name').executeTakeFirstOrThrow(),
    );
    expect(name.name).toBe('entry-a');
  });
});

describe('bounds', () => {
  it('waiting for a free connection ends with a clear error instead of hanging', async () => {
    const db = createDb(tdb.urls.app, { max: 1, acquireTimeoutMs: 1_500 });
    try {
      let release!: () => void;
      let acquired!: () => void;
      const holding = new Promise<void>((r) => (acquired = r));
      const held = db.connection().execute(() => {
        acquired();
        return new Promise<void>((r) => (release = r));
      });
      await holding;
      const waited = await sql`select 1`.execute(db).catch((e: Error) => e);
      expect((waited as Error).message).toBe(ACQUIRE_TIMEOUT_MESSAGE);
      release();
      await held;
      expect((await sql<{ one: number }>`select 1 as one`.execute(db)).rows[0]?.one).toBe(1);
    } finally {
      await db.destroy();
    }
  });

  it('the runtime roles carry their own statement and idle-in-transaction timeouts (they hold behind pgbouncer too)', async () => {
    for (const [role, url] of [
      ['mfiq_app', tdb.urls.app],
      ['mfiq_worker', tdb.urls.worker],
      ['mfiq_retention', tdb.urls.retention],
    ] as const) {
      // A plain client sends no startup settings: what it sees is the role's own.
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query<{ s: string; i: string }>(
          `select current_setting('statement_timeout') as s, current_setting('idle_in_transaction_session_timeout') as i`,
        );
        expect(rows[0], role).toEqual({ s: ROLE_TIMEOUTS[role].statement, i: ROLE_TIMEOUTS[role].idleInTransaction });
      } finally {
        await client.end();
      }
    }
  });

  it('a statement over the timeout is cancelled, and a transaction left idle ends its session', async () => {
    const db = createDb(tdb.urls.app, { max: 1, statementTimeoutMs: 1_000, idleInTransactionTimeoutMs: 500 });
    try {
      const slow = await sql`select pg_sleep(5)`.execute(db).catch((e: { code?: string }) => e);
      expect((slow as { code?: string }).code).toBe('57014');
      const idle = await withTenant(db, { tenantId: tenantA }, async (trx) => {
        await new Promise((r) => setTimeout(r, 2_000));
        return sql`select 1`.execute(trx);
      }).catch((e: Error) => e);
      expect(idle).toBeInstanceOf(Error);
      expect(await settingsOf(db)).toMatchObject({ tenant: null, inTx: false });
    } finally {
      await db.destroy();
    }
  });
});

describe('the lock on the per-tenant entry', () => {
  it('withTenant refuses a locked organization unless the work must go on under a lock; unknown ones are named', async () => {
    await expect(withTenant(tdb.worker, { tenantId: lockedTenant }, async () => 'ran')).rejects.toBeInstanceOf(
      TenantLockedError,
    );
    expect(await withTenant(tdb.worker, { tenantId: lockedTenant, evenIfLocked: true }, async () => 'ran')).toBe('ran');
    await expect(withTenant(tdb.worker, { tenantId: randomUUID() }, async () => 'ran')).rejects.toBeInstanceOf(
      TenantNotFoundError,
    );
    // The refused entry set nothing: a handler that ignored the refusal would read no rows.
    const { rows } = await sql<{
      t: string | null;
    }>`select nullif(current_setting('app.tenant_id', true), '') as t from app_enter_organization(${lockedTenant}, null, false)`.execute(
      tdb.app,
    );
    expect(rows[0]?.t ?? null).toBeNull();
  });

  it('withNewTenant refuses an organization that exists already', async () => {
    await expect(withNewTenant(tdb.owner, { tenantId: tenantA }, async () => 'ran')).rejects.toThrow(/exists already/);
  });
});
