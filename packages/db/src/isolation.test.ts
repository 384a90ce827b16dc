import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from './tenant.ts';
import { createTestDatabase, type TestDatabase } from './testing/index.ts';

/**
 * The tenant boundary as PostgreSQL enforces it, independent of application code. Every tenant
 * table must appear in FIXTURES: a new table without a line here fails the first test.
 */
type Insert = (client: pg.Client, tenantId: string, userId: string) => Promise<void>;
const FIXTURES: Record<string, Insert> = {
  organizations: async (c, t) => {
    await c.query(`insert into organizations (tenant_id, slug, name) values ($1, $2, 'Org')`, [
      t,
      `org-${t.slice(0, 8)}`,
    ]);
  },
  memberships: async (c, t, u) => {
    await c.query(`insert into memberships (tenant_id, user_id, role) values ($1, $2, 'owner')`, [t, u]);
  },
  invitations: async (c, t) => {
    await c.query(
      `insert into invitations (tenant_id, email, role, token_hash, expires_at) values ($1, 'invitee@example.com', 'viewer', encode(sha256(gen_random_uuid()::text::bytea), 'hex'), now() + interval '7 days')`,
      [t],
    );
  },
  audit_outbox: async (c, t) => {
    await c.query(
      `insert into audit_outbox (tenant_id, action, actor_type) values ($1, 'organization.created', 'system')`,
      [t],
    );
  },
  metrics: async (c, t) => {
    await c.query(`insert into metrics (tenant_id, id, key, name) values ($1, $1, 'revenue', 'Revenue')`, [t]);
  },
  data_points: async (c, t) => {
    await c.query(
      `insert into data_points (tenant_id, metric_id, ts, value) values ($1, $1, '2024-01-01T00:00:00Z', 1)`,
      [t],
    );
  },
  // Written by the data_points trigger above; the fixture checks it is there.
  metric_daily_rollups: async (c, t) => {
    await c.query(
      `insert into metric_daily_rollups (tenant_id, metric_id, day, n, sum, min, max, last_ts, last_value)
      values ($1, $1, '2024-01-02', 1, 1, 1, 1, '2024-01-02T00:00:00Z', 1)`,
      [t],
    );
  },
  // Written by the metric_daily_rollups trigger above (a new revision for each write); the fixture writes one more.
  metric_data_revisions: async (c, t) => {
    await c.query(
      `insert into metric_data_revisions (tenant_id, metric_id) values ($1, $1)
       on conflict (tenant_id, metric_id) do update set revision = gen_random_uuid()`,
      [t],
    );
  },
  metric_targets: async (c, t) => {
    await c.query(
      `insert into metric_targets (tenant_id, metric_id, kind, grain, value) values ($1, $1, 'recurring', 'month', 10)`,
      [t],
    );
  },
  api_keys: async (c, t) => {
    await c.query(
      `insert into api_keys (tenant_id, name, prefix, token_hash, scopes) values ($1, 'k', 'mfiq_abc', md5($2) || md5($2), '{data:write}')`,
      [t, t],
    );
  },
  api_idempotency_keys: async (c, t) => {
    await c.query(
      `insert into api_idempotency_keys (tenant_id, idempotency_key, request_hash) values ($1, 'k1', 'h')`,
      [t],
    );
  },
  dashboards: async (c, t) => {
    await c.query(`insert into dashboards (tenant_id, id, name, is_default) values ($1, $1, 'Overview', true)`, [t]);
  },
  dashboard_tiles: async (c, t) => {
    await c.query(
      `insert into dashboard_tiles (tenant_id, dashboard_id, metric_id, kind, position) values ($1, $1, $1, 'line', 0)`,
      [t],
    );
  },
  dashboard_tile_metrics: async (c, t) => {
    await c.query(
      `insert into dashboard_tile_metrics (tenant_id, tile_id, metric_id, position)
       select $1, id, $1, 1 from dashboard_tiles where tenant_id = $1 limit 1`,
      [t],
    );
  },
  annotations: async (c, t, u) => {
    await c.query(
      `insert into annotations (tenant_id, metric_id, on_date, body, created_by) values ($1, $1, '2024-01-02', 'Pricing change', $2)`,
      [t, u],
    );
  },
  dashboard_share_links: async (c, t) => {
    await c.query(
      `insert into dashboard_share_links (tenant_id, dashboard_id, label, token_hash, prefix) values ($1, $1, 'Office TV', md5($2 || 'share') || md5($2 || 'share'), 'd_abcd')`,
      [t, t],
    );
  },
  data_forms: async (c, t) => {
    await c.query(`insert into data_forms (tenant_id, id, name) values ($1, $1, 'Weekly numbers')`, [t]);
  },
  data_form_fields: async (c, t) => {
    await c.query(
      `insert into data_form_fields (tenant_id, form_id, metric_id, label, position) values ($1, $1, $1, 'Revenue this week', 0)`,
      [t],
    );
  },
  data_form_links: async (c, t) => {
    await c.query(
      `insert into data_form_links (tenant_id, form_id, token_hash, token_sealed, prefix) values ($1, $1, md5($2) || md5($2), 'v1.sealed.token.fixture', 'f_abcd')`,
      [t, t],
    );
  },
  imports: async (c, t) => {
    await c.query(
      `insert into imports (tenant_id, id, file_name, size_bytes, sha256, header, delimiter) values ($1, $1, 'a.csv', 10, md5($2) || md5($2), '{metric,ts,value}', ',')`,
      [t, t],
    );
  },
  import_chunks: async (c, t) => {
    await c.query(`insert into import_chunks (tenant_id, import_id, seq, data) values ($1, $1, 0, 'metric,ts,value')`, [
      t,
    ]);
  },
  import_errors: async (c, t) => {
    await c.query(
      `insert into import_errors (tenant_id, import_id, line, message) values ($1, $1, 2, 'Value is not a number')`,
      [t],
    );
  },
  audit_log: async (c, t) => {
    await c.query(
      `insert into audit_log (tenant_id, id, sequence, occurred_at, recorded_at, action, outcome, actor_type, prev_hash, hash)
       values ($1, gen_random_uuid(), 1, now() - interval '400 days', now(), 'organization.created', 'success', 'system', sha256('p'), sha256('h'))`,
      [t],
    );
  },
  audit_chain_heads: async (c, t) => {
    await c.query(`insert into audit_chain_heads (tenant_id, last_sequence, last_hash) values ($1, 1, sha256('h'))`, [
      t,
    ]);
  },
  audit_checkpoints: async (c, t) => {
    await c.query(
      `insert into audit_checkpoints (tenant_id, sequence, hash, purged_rows, key_id, signature) values ($1, 1, sha256('h'), 1, 'k', sha256('signature'))`,
      [t],
    );
  },
  backups: async (c, t) => {
    await c.query(`insert into backups (tenant_id, kind) values ($1, 'manual')`, [t]);
  },
  alert_channels: async (c, t) => {
    await c.query(
      `insert into alert_channels (tenant_id, id, name, url_sealed, url_display, secret_sealed, secret_prefix)
       values ($1, $1, 'Ops', 'v1.sealed.url.fixture', 'https://hooks.example.com/…', 'v1.sealed.secret.fixture', 'whsec_ab')`,
      [t],
    );
  },
  alert_rules: async (c, t) => {
    await c.query(
      `insert into alert_rules (tenant_id, id, name, metric_id, kind, grain, condition)
       values ($1, $1, 'Revenue high', $1, 'threshold', 'day', '{"op": "above", "value": 10}')`,
      [t],
    );
  },
  alert_rule_recipients: async (c, t) => {
    await c.query(`insert into alert_rule_recipients (tenant_id, rule_id, channel_id) values ($1, $1, $1)`, [t]);
  },
  alert_events: async (c, t) => {
    await c.query(
      `insert into alert_events (tenant_id, id, rule_id, occurrence, grain, explanation, notified)
       values ($1, $1, $1, 'day:2024-01-01', 'day', '{"summary": "x"}', true)`,
      [t],
    );
  },
  alert_deliveries: async (c, t) => {
    await c.query(
      `insert into alert_deliveries (tenant_id, event_id, channel, channel_id, status) values ($1, $1, 'webhook', $1, 'pending')`,
      [t],
    );
  },
  notifications: async (c, t) => {
    await c.query(
      `insert into notifications (tenant_id, membership_id, event_id) select $1, id, $1 from memberships where tenant_id = $1`,
      [t],
    );
  },
  alert_mutes: async (c, t) => {
    await c.query(
      `insert into alert_mutes (tenant_id, rule_id, membership_id) select $1, $1, id from memberships where tenant_id = $1`,
      [t],
    );
  },
  metric_follows: async (c, t) => {
    await c.query(
      `insert into metric_follows (tenant_id, membership_id, metric_id) select $1, id, $1 from memberships where tenant_id = $1`,
      [t],
    );
  },
  notification_preferences: async (c, t) => {
    await c.query(
      `insert into notification_preferences (tenant_id, membership_id, digest) select $1, id, 'weekly' from memberships where tenant_id = $1`,
      [t],
    );
  },
  alert_digests: async (c, t) => {
    await c.query(
      `insert into alert_digests (tenant_id, membership_id, frequency, period_start, period_end)
       select $1, id, 'weekly', '2024-01-01', '2024-01-07' from memberships where tenant_id = $1`,
      [t],
    );
  },
  organization_slug_redirects: async (c, t) => {
    await c.query(
      `insert into organization_slug_redirects (tenant_id, old_slug, expires_at) values ($1, $2, now() + interval '30 days')`,
      [t, `old-${t.slice(0, 8)}`],
    );
  },
  backup_keys: async (c, t) => {
    await c.query(
      `insert into backup_keys (tenant_id, master_key_id, wrapped_key) values ($1, 'k1', repeat('A', 80))`,
      [t],
    );
  },
  restore_drills: async (c, t) => {
    await c.query(
      `insert into restore_drills (tenant_id, trigger, status, started_at, finished_at) values ($1, 'scheduled', 'passed', now(), now())`,
      [t],
    );
  },
};

let tdb: TestDatabase;
let tenantTables: string[];
const A = randomUUID();
const B = randomUUID();

async function connect(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  return c;
}

/** Runs fn as `url`'s role inside a transaction with the given tenant context, always rolled back. */
async function asRole<T>(url: string, tenantId: string | null, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = await connect(url);
  try {
    await c.query('begin');
    if (tenantId) await c.query(`select set_config('app.tenant_id', $1, true)`, [tenantId]);
    return await fn(c);
  } finally {
    await c.query('rollback').catch(() => {});
    await c.end();
  }
}

beforeAll(async () => {
  tdb = await createTestDatabase();
  const owner = await connect(tdb.urls.owner);
  const { rows } = await owner.query<{ table_name: string }>(`
    select c.table_name from information_schema.columns c
      join information_schema.tables t using (table_schema, table_name)
     where c.table_schema = 'public' and c.column_name = 'tenant_id' and t.table_type = 'BASE TABLE'
     order by 1`);
  tenantTables = rows.map((r) => r.table_name);
  const userIds: string[] = [];
  for (const email of ['a@example.com', 'b@example.com']) {
    const r = await owner.query<{ id: string }>(
      `insert into users (email, display_name, password_hash) values ($1, 'U', 'x') returning id`,
      [email],
    );
    userIds.push(r.rows[0]!.id);
  }
  for (const [tenant, user] of [
    [A, userIds[0]!],
    [B, userIds[1]!],
  ] as const) {
    await owner.query('begin');
    await owner.query(`select set_config('app.tenant_id', $1, true)`, [tenant]);
    for (const table of Object.keys(FIXTURES)) await FIXTURES[table]!(owner, tenant, user);
    await owner.query('commit');
  }
  await owner.end();
});
afterAll(() => tdb.drop());

describe('catalog', () => {
  it('every table with a tenant_id column has forced RLS, the tenant policy and an isolation fixture', async () => {
    expect(tenantTables.length).toBeGreaterThanOrEqual(3);
    const owner = await connect(tdb.urls.owner);
    const { rows } = await owner.query<{
      relname: string;
      rls: boolean;
      forced: boolean;
      qual: string | null;
      check: string | null;
      cmd: string | null;
      roles: string[] | null;
    }>(
      `
      select c.relname, c.relrowsecurity as rls, c.relforcerowsecurity as forced,
             p.qual, p.with_check as check, p.cmd, p.roles::text[] as roles
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        left join pg_policies p on p.schemaname = n.nspname and p.tablename = c.relname and p.policyname = 'tenant_isolation'
       where n.nspname = 'public' and c.relname = any($1::text[])`,
      [tenantTables],
    );
    await owner.end();
    const problems: string[] = [];
    for (const table of tenantTables) {
      const r = rows.find((x) => x.relname === table);
      if (!r?.rls) problems.push(`${table}: RLS not enabled`);
      if (!r?.forced) problems.push(`${table}: RLS not forced`);
      if (!r?.qual?.includes('app_current_tenant()') || !r.qual.includes('tenant_id'))
        problems.push(`${table}: tenant_isolation USING missing or wrong (${r?.qual})`);
      if (!r?.check?.includes('app_current_tenant()')) problems.push(`${table}: tenant_isolation WITH CHECK missing`);
      if (r?.cmd !== 'ALL' || r.roles?.join() !== 'public')
        problems.push(`${table}: tenant_isolation must apply to ALL commands and every role`);
      if (!FIXTURES[table]) problems.push(`${table}: no fixture in isolation.test.ts`);
    }
    expect(problems).toEqual([]);
  });

  it('the runtime roles cannot bypass row-level security and own nothing', async () => {
    const owner = await connect(tdb.urls.owner);
    const { rows } = await owner.query<{ rolname: string; rolsuper: boolean; rolbypassrls: boolean; owns: number }>(`
      select r.rolname, r.rolsuper, r.rolbypassrls,
             (select count(*)::int from pg_class c where c.relowner = r.oid and c.relnamespace = 'public'::regnamespace) as owns
        from pg_roles r where r.rolname in ('mfiq_app', 'mfiq_worker', 'mfiq_owner') order by 1`);
    await owner.end();
    expect(rows).toEqual([
      { rolname: 'mfiq_app', rolsuper: false, rolbypassrls: false, owns: 0 },
      { rolname: 'mfiq_owner', rolsuper: false, rolbypassrls: false, owns: expect.any(Number) },
      { rolname: 'mfiq_worker', rolsuper: false, rolbypassrls: false, owns: 0 },
    ]);
  });
});

describe('as the app role', () => {
  // Tables the app role may not read at all (insert-only, like the audit outbox) are isolated by
  // the grant; the test still runs the query and expects the refusal.
  const readable = (table: string) =>
    asRole(
      tdb.urls.owner,
      null,
      async (c) =>
        (await c.query(`select has_table_privilege('mfiq_app', $1, 'select') as ok`, [table])).rows[0].ok as boolean,
    );

  it('a query with no tenant context returns no rows from any tenant table', async () => {
    for (const table of tenantTables) {
      const result = await asRole(
        tdb.urls.app,
        null,
        async (c) => (await c.query(`select count(*)::int as n from ${table}`)).rows[0].n as number,
      ).catch((e: { code?: string }) => e.code);
      expect(result, table).toBe((await readable(table)) ? 0 : '42501');
    }
  });

  it("with tenant A's context a bare select * returns only A's rows", async () => {
    for (const table of tenantTables) {
      const result = await asRole(
        tdb.urls.app,
        A,
        async (c) => (await c.query(`select * from ${table}`)).rows as { tenant_id: string }[],
      ).catch((e: { code?: string }) => e.code);
      if (!(await readable(table))) {
        expect(result, table).toBe('42501');
        continue;
      }
      const rows = result as { tenant_id: string }[];
      expect(rows.length, table).toBeGreaterThan(0);
      expect(new Set(rows.map((r) => r.tenant_id)), table).toEqual(new Set([A]));
      // And the same rows as tenant A really has, read past RLS by the superuser.
      const all = await asRole(
        tdb.urls.admin,
        null,
        async (c) =>
          (await c.query(`select count(*)::int as n from ${table} where tenant_id = $1`, [A])).rows[0].n as number,
      );
      expect(rows.length, table).toBe(all);
    }
  });

  it("an insert carrying B's tenant_id under A's context is refused", async () => {
    const userB = (
      await tdb.admin.selectFrom('users').select('id').where('email', '=', 'b@example.com').executeTakeFirstOrThrow()
    ).id;
    for (const table of ['memberships', 'audit_outbox']) {
      const err = await asRole(tdb.urls.app, A, (c) => FIXTURES[table]!(c, B, userB)).catch(
        (e: { code?: string }) => e,
      );
      expect((err as { code?: string }).code, table).toBe('42501');
    }
    const err = await asRole(tdb.urls.app, A, (c) => FIXTURES.organizations!(c, B, userB)).catch(
      (e: { code?: string }) => e,
    );
    expect((err as { code?: string }).code).toBe('42501');
  });

  it("an update cannot reach B's rows nor move A's rows to B", async () => {
    const touched = await asRole(
      tdb.urls.app,
      A,
      async (c) => (await c.query(`update memberships set role = 'viewer' where tenant_id = $1`, [B])).rowCount,
    );
    expect(touched).toBe(0);
    const err = await asRole(tdb.urls.app, A, (c) => c.query(`update memberships set tenant_id = $1`, [B])).catch(
      (e: { code?: string }) => e,
    );
    expect((err as { code?: string }).code).toBe('42501');
    const del = await asRole(
      tdb.urls.app,
      A,
      async (c) => (await c.query(`delete from memberships where tenant_id = $1`, [B])).rowCount,
    );
    expect(del).toBe(0);
  });

  it('cannot change its own tenant to reach past the transaction', async () => {
    // Settings are transaction-local: a pooled connection never carries a tenant into the next use.
    const c = await connect(tdb.urls.app);
    await c.query('begin');
    await c.query(`select set_config('app.tenant_id', $1, true)`, [A]);
    await c.query('commit');
    const n = (await c.query('select count(*)::int as n from memberships')).rows[0].n as number;
    await c.end();
    expect(n).toBe(0);
  });
});

describe('withTenant', () => {
  it('scopes the transaction to the tenant and rolls back on error', async () => {
    const seen = await withTenant(tdb.app, { tenantId: A }, (trx) =>
      trx.selectFrom('memberships').select('tenantId').execute(),
    );
    expect(seen.map((r) => r.tenantId)).toEqual([A]);
    await expect(
      withTenant(tdb.app, { tenantId: A }, async (trx) => {
        await trx
          .insertInto('auditOutbox')
          .values({ tenantId: A, action: 'organization.updated', actorType: 'system' })
          .execute();
        throw new Error('stop');
      }),
    ).rejects.toThrow('stop');
    const count = await withTenant(tdb.app, { tenantId: A }, async (trx) =>
      trx
        .selectFrom('auditOutbox')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('action', '=', 'organization.updated')
        .executeTakeFirstOrThrow(),
    ).catch(() => ({ n: -1 }));
    // The app role cannot read the outbox at all; the owner (through the superuser here) checks.
    const total = await tdb.admin
      .selectFrom('auditOutbox')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('action', '=', 'organization.updated')
      .executeTakeFirstOrThrow();
    expect(total.n).toBe(0);
    expect(count.n).toBe(-1);
  });

  it('refuses a tenant id that is not a UUID (nothing reaches SQL)', async () => {
    await expect(withTenant(tdb.app, { tenantId: "x'; drop table users; --" }, async () => 1)).rejects.toThrow(/UUID/);
  });
});
