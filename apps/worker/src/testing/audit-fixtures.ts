import { randomUUID } from 'node:crypto';
import { sql, verifyTenantChain, withTenant, type ChainStatus, type Database, withNewTenant } from '@mfiq/db';

/** A fresh organization (as the owner role: fixtures never go through the role under test). */
export async function insertOrg(owner: Database, prefix = 'org'): Promise<{ tenantId: string; slug: string }> {
  const tenantId = randomUUID();
  const slug = `${prefix}-${tenantId.slice(0, 8)}`;
  await withNewTenant(owner, { tenantId }, (trx) =>
    trx
      .insertInto('organizations')
      .values({ tenantId, slug, name: `${prefix} org` })
      .execute(),
  );
  return { tenantId, slug };
}

/**
 * n outbox events for a tenant in one statement, each with a distinct marker (`after.n`) so tests can
 * check exactly-once delivery. `ageDays` backdates occurred_at.
 */
export async function insertOutbox(
  owner: Database,
  tenantId: string,
  n: number,
  opts: { from?: number; ageDays?: number } = {},
): Promise<void> {
  const from = opts.from ?? 0;
  await withTenant(owner, { tenantId }, (trx) =>
    sql`
      insert into audit_outbox (tenant_id, occurred_at, action, actor_type, actor_id, actor_display, target_type, target_id, before, after, ip, user_agent, request_id)
      select ${tenantId}, clock_timestamp() - make_interval(days => ${opts.ageDays ?? 0}), 'organization.updated', 'user', gen_random_uuid(), 'fixture@example.com',
             'organization', ${tenantId}, jsonb_build_object('name', 'old ' || g), jsonb_build_object('name', 'new ' || g, 'n', g), '203.0.113.9', 'vitest', 'req-' || g
        from generate_series(${from}::int, ${from + n - 1}::int) g`.execute(trx),
  );
}

export async function insertPlatformOutbox(owner: Database, n: number): Promise<void> {
  await sql`
    insert into platform_audit_outbox (action, outcome, actor_type, actor_display, ip, after)
    select 'user.sign_in_failed', 'failure', 'anonymous', 'nobody-' || g || '@example.com', '198.51.100.1', jsonb_build_object('n', g)
      from generate_series(1, ${n}::int) g`.execute(owner);
}

/** Verifies a tenant's chain as the given role (worker or app), inside its tenant transaction. */
export function verify(db: Database, tenantId: string, checkpointKey?: Buffer): Promise<ChainStatus> {
  return withTenant(db, { tenantId }, (trx) => verifyTenantChain(trx, checkpointKey ? { checkpointKey } : {}));
}

/** Sequences and markers of a tenant's log, read past RLS by the superuser (inspection only). */
export async function logOf(admin: Database, tenantId: string): Promise<{ sequence: number; n: number }[]> {
  const { rows } = await sql<{ sequence: number; n: number }>`
    select sequence, (after->>'n')::int as n from audit_log where tenant_id = ${tenantId} order by sequence`.execute(
    admin,
  );
  return rows;
}
