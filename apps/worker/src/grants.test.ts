import { randomUUID } from 'node:crypto';
import { sql, type Database, withNewTenant } from '@mfiq/db';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertSession, insertUser } from './testing/fixtures.ts';

// The worker role's reach, checked from its own connection: what it needs and nothing more.

let tdb: TestDatabase;
let tenantTables: string[];
beforeAll(async () => {
  tdb = await createTestDatabase();
  const userId = await insertUser(tdb.owner);
  await insertSession(tdb.owner, userId, { idle: '1 hour', absolute: '1 day' });
  const tenantId = randomUUID();
  await withNewTenant(tdb.owner, { tenantId, actorId: userId }, async (trx) => {
    await trx
      .insertInto('organizations')
      .values({ tenantId, slug: `org-${tenantId.slice(0, 8)}`, name: 'Fixture Org' })
      .execute();
    await trx.insertInto('memberships').values({ tenantId, userId, role: 'owner' }).execute();
    await trx
      .insertInto('auditOutbox')
      .values({ tenantId, action: 'organization.created', actorType: 'user', actorId: userId })
      .execute();
  });
  const { rows } = await sql<{ table: string }>`
    select distinct c.table_name as table from information_schema.columns c
      join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
     where c.table_schema = 'public' and c.column_name = 'tenant_id' and t.table_type = 'BASE TABLE'
     order by 1`.execute(tdb.owner);
  tenantTables = rows.map((r) => r.table);
});
afterAll(() => tdb.drop());

/** Runs a statement as the given role; resolves to the SQLSTATE if refused, or the rows. */
async function attempt(db: Database, statement: string): Promise<{ code: string } | { rows: unknown[] }> {
  try {
    const { rows } = await sql.raw(statement).execute(db);
    return { rows };
  } catch (error) {
    return { code: (error as { code?: string }).code ?? 'unknown' };
  }
}

const DENIED = { code: '42501' };

describe('worker role grants', () => {
  it('reads only id and the two expiries of sessions', async () => {
    expect(await attempt(tdb.worker, 'select id, expires_at, absolute_expires_at from sessions')).toEqual({
      rows: [expect.any(Object)],
    });
    for (const column of ['user_id', 'ip', 'user_agent', 'created_at', 'last_seen_at']) {
      expect(await attempt(tdb.worker, `select ${column} from sessions`), column).toEqual(DENIED);
    }
    expect(await attempt(tdb.worker, 'select * from sessions')).toEqual(DENIED);
  });

  it('can neither insert nor update sessions', async () => {
    expect(await attempt(tdb.worker, `update sessions set expires_at = now() + interval '1 year'`)).toEqual(DENIED);
    expect(
      await attempt(
        tdb.worker,
        `insert into sessions (id, user_id, expires_at, absolute_expires_at)
      select repeat('a', 64), gen_random_uuid(), now(), now()`,
      ),
    ).toEqual(DENIED);
  });

  it('cannot read users', async () => {
    expect(await attempt(tdb.worker, 'select * from users')).toEqual(DENIED);
    expect(await attempt(tdb.worker, 'select email from users')).toEqual(DENIED);
  });

  it('sees no tenant rows without a tenant context, in every tenant table of the catalog', async () => {
    expect(tenantTables).toEqual(expect.arrayContaining(['organizations', 'memberships', 'audit_outbox']));
    for (const table of tenantTables) {
      const result = await attempt(tdb.worker, `select * from ${table}`);
      // Refused outright today; if a later grant lets the worker in, RLS must still hide every row.
      if ('rows' in result) expect(result.rows, table).toEqual([]);
      else expect(result, table).toEqual(DENIED);
    }
  });

  it('is not a superuser, not BYPASSRLS and not the owner of any table', async () => {
    const { rows } = await sql<{ superuser: boolean; bypass: boolean; owns: boolean }>`
      select r.rolsuper as superuser, r.rolbypassrls as bypass,
             exists (select 1 from pg_tables t where t.schemaname = 'public' and t.tableowner = current_user) as owns
        from pg_roles r where r.rolname = current_user`.execute(tdb.worker);
    expect(rows).toEqual([{ superuser: false, bypass: false, owns: false }]);
  });
});
