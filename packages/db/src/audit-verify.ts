import { checkpointValid, ChainVerifier, GENESIS_HASH, keyId, utcText, type StoredChainRow } from './audit-chain.ts';
import type { TenantDb } from './tenant.ts';

export type ChainStatus =
  | { status: 'verified'; events: number; fromSequence: number; lastSequence: number; checkpoint: CheckpointState }
  | { status: 'broken'; sequence: number; reason: string; events: number; checkpoint: CheckpointState };

/** `unchecked`: a checkpoint exists but no key was given to check its signature (the web has none). */
export type CheckpointState = 'none' | 'valid' | 'unchecked';

/** The columns of audit_log in the form the chain hashes. */
export function chainColumns(trx: TenantDb) {
  return trx
    .selectFrom('auditLog')
    .select([
      'tenantId',
      'id',
      'sequence',
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
      'prevHash',
      'hash',
      utcText('occurred_at').as('occurredAt'),
      utcText('recorded_at').as('recordedAt'),
    ]);
}

function checkpointRefusal(
  key: Buffer,
  cp: { tenantId: string; sequence: number; hash: Buffer; signature: Buffer; keyId: string },
): string | null {
  if (cp.signature.length === 0) return 'the retention checkpoint is not signed';
  if (cp.keyId !== keyId(key))
    return `the retention checkpoint is signed with key ${cp.keyId}, not the configured key ${keyId(key)}`;
  return checkpointValid(key, cp) ? null : 'the retention checkpoint signature is invalid';
}

/**
 * Verifies the tenant's whole chain inside its tenant transaction: from the latest retention
 * checkpoint (or the genesis) to the head and past it, in pages. Reports the first broken
 * sequence, including rows beyond the head. With `checkpointKey`, a checkpoint that is not signed
 * by that key is itself a break; without it (the web has none) it is reported as unchecked.
 */
export async function verifyTenantChain(
  trx: TenantDb,
  opts: { checkpointKey?: Buffer; pageSize?: number } = {},
): Promise<ChainStatus> {
  const pageSize = opts.pageSize ?? 2_000;
  const cp = await trx
    .selectFrom('auditCheckpoints')
    .select(['tenantId', 'sequence', 'hash', 'signature', 'keyId'])
    .orderBy('sequence', 'desc')
    .limit(1)
    .executeTakeFirst();
  let checkpoint: CheckpointState = 'none';
  if (cp) {
    checkpoint = opts.checkpointKey ? 'valid' : 'unchecked';
    // With the key, a checkpoint is a starting point only if it is signed by that key: an unsigned,
    // forged or foreign one could hide whatever was deleted below it.
    const refused = opts.checkpointKey ? checkpointRefusal(opts.checkpointKey, cp) : null;
    if (refused) return { status: 'broken', sequence: cp.sequence, reason: refused, events: 0, checkpoint };
  }
  const verifier = new ChainVerifier(
    cp ? { sequence: cp.sequence, hash: cp.hash } : { sequence: 0, hash: GENESIS_HASH },
  );
  const fromSequence = verifier.lastSequence;
  let after = fromSequence;
  for (;;) {
    const rows = (await chainColumns(trx)
      .where('sequence', '>', after)
      .orderBy('sequence')
      .limit(pageSize)
      .execute()) as StoredChainRow[];
    for (const row of rows) if (verifier.push(row)) break;
    if (verifier.broken || rows.length < pageSize) break;
    after = rows[rows.length - 1]!.sequence;
  }
  const head = await trx.selectFrom('auditChainHeads').select(['lastSequence', 'lastHash']).executeTakeFirst();
  const broken = verifier.finish(head ?? null);
  if (broken) return { status: 'broken', ...broken, events: verifier.count, checkpoint };
  return { status: 'verified', events: verifier.count, fromSequence, lastSequence: verifier.lastSequence, checkpoint };
}
