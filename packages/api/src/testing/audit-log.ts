import { chainHash, GENESIS_HASH, sql, utcText, type ChainEvent } from '@mfiq/db';
import type { TestDatabase } from '@mfiq/db/testing';

/**
 * Moves the outbox into audit_log with a valid chain, as the test superuser, so API tests can read
 * what procedures wrote. The production drain (apps/worker/src/audit/drain.ts) has its own tests;
 * this is the same chain format, without the concurrency machinery.
 */
export async function drainForTest(tdb: TestDatabase): Promise<number> {
  const rows = await tdb.admin
    .selectFrom('auditOutbox')
    .select([
      'tenantId',
      'id',
      'action',
      'outcome',
      'actorType',
      'actorId',
      'actorDisplay',
      'targetType',
      'targetId',
      'targetDisplay',
      'before',
      'after',
      'ip',
      'userAgent',
      'requestId',
      utcText('occurred_at').as('occurredAt'),
    ])
    .orderBy('occurredAt')
    .orderBy('id')
    .execute();
  const { rows: nowRows } = await sql<{
    now: string;
  }>`select ${utcText('x')} as now from (select now() as x) t`.execute(tdb.admin);
  const recordedAt = nowRows[0]!.now;
  for (const row of rows) {
    const head = await tdb.admin
      .selectFrom('auditChainHeads')
      .select(['lastSequence', 'lastHash'])
      .where('tenantId', '=', row.tenantId)
      .executeTakeFirst();
    const prev = head?.lastHash ?? GENESIS_HASH;
    const sequence = (head?.lastSequence ?? 0) + 1;
    const event: ChainEvent = { ...row, sequence, recordedAt };
    const hash = chainHash(prev, event);
    await tdb.admin
      .insertInto('auditLog')
      .values({
        ...row,
        occurredAt: sql<Date>`${row.occurredAt}::timestamptz`,
        recordedAt: sql<Date>`${recordedAt}::timestamptz`,
        sequence,
        prevHash: prev,
        hash,
      })
      .execute();
    await tdb.admin
      .insertInto('auditChainHeads')
      .values({ tenantId: row.tenantId, lastSequence: sequence, lastHash: hash })
      .onConflict((oc) => oc.column('tenantId').doUpdateSet({ lastSequence: sequence, lastHash: hash }))
      .execute();
    await tdb.admin.deleteFrom('auditOutbox').where('tenantId', '=', row.tenantId).where('id', '=', row.id).execute();
  }
  return rows.length;
}
