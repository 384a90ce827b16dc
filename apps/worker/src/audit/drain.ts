import { chainHash, sql, withTenant, type ChainEvent, type Database } from '@mfiq/db';
import type { Kysely } from 'kysely';

/**
 * Moves audit events from the outboxes into the hash-chained logs. One batch is one transaction:
 * lock the chain head (FOR UPDATE SKIP LOCKED: a head someone else holds is skipped, not waited
 * for), read the oldest outbox rows, chain them, append, delete them, move the head. A crash at any
 * point rolls the whole batch back, so every event lands exactly once and sequences have no gaps.
 * Why the head and not the outbox rows carry the SKIP LOCKED: docs/decisions/0030-audit-drain-ordering.md.
 */

const DEFAULT_BATCH_SIZE = 500;

type Scope = { kind: 'tenant'; tenantId: string } | { kind: 'platform' };

interface Head {
  lastSequence: number;
  lastHash: Buffer;
  now: string;
}

const NOW = sql<string>`to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

async function lockHead(trx: Kysely<unknown>, scope: Scope): Promise<Head | null> {
  if (scope.kind === 'platform') {
    const { rows } = await sql<Head>`
      select last_sequence as "lastSequence", last_hash as "lastHash", ${NOW} as now
        from platform_audit_chain_head for update skip locked`.execute(trx);
    return rows[0] ?? null;
  }
  const { rows } = await sql<Head>`
    select last_sequence as "lastSequence", last_hash as "lastHash", ${NOW} as now
      from audit_chain_heads where tenant_id = ${scope.tenantId} for update skip locked`.execute(trx);
  if (rows[0]) return rows[0];
  // A tenant's first drain creates its head; if another drainer created it meanwhile, skip the tenant.
  const created = await sql<Head>`
    insert into audit_chain_heads (tenant_id) values (${scope.tenantId}) on conflict do nothing
    returning last_sequence as "lastSequence", last_hash as "lastHash", ${NOW} as now`.execute(trx);
  return created.rows[0] ?? null;
}

type OutboxRow = Omit<ChainEvent, 'sequence' | 'recordedAt' | 'tenantId'>;

// No row locks here: whoever holds the tenant's head is the only one reading these rows to drain them,
// and the app role can only insert into the outbox (rows not yet committed are simply not seen).
async function readOutbox(trx: Kysely<unknown>, scope: Scope, limit: number): Promise<OutboxRow[]> {
  const table = sql.table(scope.kind === 'platform' ? 'platform_audit_outbox' : 'audit_outbox');
  const where = scope.kind === 'platform' ? sql`true` : sql`tenant_id = ${scope.tenantId}`;
  const { rows } = await sql<OutboxRow>`
    select id, action, outcome, actor_type as "actorType", actor_id as "actorId", actor_display as "actorDisplay",
           target_type as "targetType", target_id as "targetId", target_display as "targetDisplay", before, after, ip,
           user_agent as "userAgent", request_id as "requestId",
           to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "occurredAt"
      from ${table} where ${where}
     order by occurred_at, id limit ${limit}`.execute(trx);
  return rows;
}

const COPIED = sql.raw(
  'action, outcome, actor_type, actor_id, actor_display, target_type, target_id, target_display, before, after, ip, user_agent, request_id',
);

/** One batch in the caller's transaction. Returns events appended, or null when the head was busy. */
async function drainBatchIn(trx: Kysely<unknown>, scope: Scope, batchSize: number): Promise<number | null> {
  const head = await lockHead(trx, scope);
  if (!head) return null;
  const rows = await readOutbox(trx, scope, batchSize);
  if (!rows.length) return 0;
  const tenantId = scope.kind === 'tenant' ? scope.tenantId : null;
  let prev = head.lastHash;
  let sequence = head.lastSequence;
  const chained = rows.map((row) => {
    sequence += 1;
    const hash = chainHash(prev, { ...row, tenantId, sequence, recordedAt: head.now });
    const link = { id: row.id, sequence, prev_hash: prev.toString('hex'), hash: hash.toString('hex') };
    prev = hash;
    return link;
  });
  const links = JSON.stringify(chained);
  // Content is copied from the locked outbox rows, not sent back: the worker only adds the chain.
  const inserted =
    scope.kind === 'platform'
      ? await sql`
          insert into platform_audit_log (id, sequence, occurred_at, recorded_at, ${COPIED}, prev_hash, hash)
          select o.id, x.sequence, o.occurred_at, ${head.now}::timestamptz, ${COPIED}, decode(x.prev_hash, 'hex'), decode(x.hash, 'hex')
            from jsonb_to_recordset(${links}::jsonb) as x(id uuid, sequence bigint, prev_hash text, hash text)
            join platform_audit_outbox o on o.id = x.id`.execute(trx)
      : await sql`
          insert into audit_log (tenant_id, id, sequence, occurred_at, recorded_at, ${COPIED}, prev_hash, hash)
          select o.tenant_id, o.id, x.sequence, o.occurred_at, ${head.now}::timestamptz, ${COPIED}, decode(x.prev_hash, 'hex'), decode(x.hash, 'hex')
            from jsonb_to_recordset(${links}::jsonb) as x(id uuid, sequence bigint, prev_hash text, hash text)
            join audit_outbox o on o.tenant_id = ${tenantId} and o.id = x.id`.execute(trx);
  if (Number(inserted.numAffectedRows) !== rows.length)
    throw new Error(`audit drain: appended ${inserted.numAffectedRows} of ${rows.length} events`);
  const ids = rows.map((r) => r.id);
  if (scope.kind === 'platform') {
    await sql`delete from platform_audit_outbox where id = any(${ids}::uuid[])`.execute(trx);
    await sql`update platform_audit_chain_head set last_sequence = ${sequence}, last_hash = ${prev}, updated_at = now()`.execute(
      trx,
    );
  } else {
    await sql`delete from audit_outbox where tenant_id = ${tenantId} and id = any(${ids}::uuid[])`.execute(trx);
    await sql`update audit_chain_heads set last_sequence = ${sequence}, last_hash = ${prev}, updated_at = now() where tenant_id = ${tenantId}`.execute(
      trx,
    );
  }
  return rows.length;
}

/** One batch of one tenant, inside withTenant (the worker reads and writes under the tenant's RLS). */
export function drainTenantBatch(
  db: Database,
  tenantId: string,
  batchSize = DEFAULT_BATCH_SIZE,
): Promise<number | null> {
  return withTenant(db, { tenantId, evenIfLocked: true }, (trx) =>
    drainBatchIn(trx as unknown as Kysely<unknown>, { kind: 'tenant', tenantId }, batchSize),
  );
}

export function drainPlatformBatch(db: Database, batchSize = DEFAULT_BATCH_SIZE): Promise<number | null> {
  return db
    .transaction()
    .execute((trx) => drainBatchIn(trx as unknown as Kysely<unknown>, { kind: 'platform' }, batchSize));
}

export interface DrainResult {
  events: number;
  batches: number;
  /** Tenants skipped because another drainer held their head. */
  busy: number;
}

/**
 * Drains until the outboxes are empty or the time budget is spent: the platform log, then tenants
 * oldest-waiting first. A busy tenant is left to whoever holds it.
 */
export async function drainAll(
  db: Database,
  opts: { batchSize?: number; budgetMs?: number } = {},
): Promise<DrainResult> {
  const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE;
  const deadline = performance.now() + (opts.budgetMs ?? 20_000);
  const result: DrainResult = { events: 0, batches: 0, busy: 0 };
  const run = async (batch: () => Promise<number | null>) => {
    while (performance.now() < deadline) {
      const n = await batch();
      if (n === null) {
        result.busy += 1;
        return;
      }
      if (n > 0) result.batches += 1;
      result.events += n;
      if (n < batchSize) return;
    }
  };
  await run(() => drainPlatformBatch(db, batchSize));
  const seen = new Set<string>();
  while (performance.now() < deadline) {
    const { rows } = await sql<{
      tenantId: string;
    }>`select tenant_id as "tenantId" from audit_pending_tenants(100)`.execute(db);
    // Tenants that are still pending after our pass are busy elsewhere (or refilling): stop here and
    // leave them to their holder or the next run instead of spinning on them.
    const fresh = rows.filter((r) => !seen.has(r.tenantId));
    if (!fresh.length) break;
    for (const { tenantId } of fresh) {
      seen.add(tenantId);
      await run(() => drainTenantBatch(db, tenantId, batchSize));
    }
  }
  return result;
}
