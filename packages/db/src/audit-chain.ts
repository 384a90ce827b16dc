import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { sql, type RawBuilder } from 'kysely';

/**
 * The audit chain's format, shared by the drain (which writes it), the verifiers (CLI and the audit
 * page) and anyone holding an export: hash = sha256(prev_hash || canonical_json(event)).
 * See docs/decisions/0030-audit-drain-ordering.md.
 */

export const GENESIS_HASH = Buffer.alloc(32);

/** The hashed event. Timestamps are UTC ISO strings with microseconds, exactly as stored. */
export interface ChainEvent {
  tenantId: string | null;
  id: string;
  sequence: number;
  occurredAt: string;
  recordedAt: string;
  action: string;
  outcome: string;
  actorType: string;
  actorId: string | null;
  actorDisplay: string | null;
  targetType: string | null;
  targetId: string | null;
  targetDisplay: string | null;
  before: unknown;
  after: unknown;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
}

/**
 * Canonical JSON: object keys sorted by UTF-16 code units, no whitespace, JSON.stringify for
 * scalars (RFC 8785's ordering and number form for the values this log holds). Undefined object
 * members are left out; non-finite numbers cannot occur in jsonb and are refused.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('canonicalJson: non-finite number');
    return JSON.stringify(value);
  }
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  throw new Error(`canonicalJson: unsupported ${typeof value}`);
}

const EVENT_KEYS: (keyof ChainEvent)[] = [
  'tenantId',
  'id',
  'sequence',
  'occurredAt',
  'recordedAt',
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
];

export function chainHash(prevHash: Buffer, event: ChainEvent): Buffer {
  // Only the event's own fields: a row read with extra columns hashes the same.
  const picked = Object.fromEntries(EVENT_KEYS.map((k) => [k, event[k] ?? null]));
  return createHash('sha256').update(prevHash).update(canonicalJson(picked), 'utf8').digest();
}

/** A UTC timestamp with microseconds, the form the chain hashes (and stores back losslessly). */
export const utcText = (column: string): RawBuilder<string> =>
  sql<string>`to_char(${sql.ref(column)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

// ---------------------------------------------------------------------------------------------------
// Verification

export interface ChainStart {
  /** Last sequence before the first row to check (0 for the genesis, else a checkpoint's). */
  sequence: number;
  hash: Buffer;
}

export interface StoredChainRow extends ChainEvent {
  prevHash: Buffer;
  hash: Buffer;
}

export type VerifyFailure = { sequence: number; reason: string };

/**
 * Checks rows in sequence order, one page at a time: each must follow its predecessor with no gap,
 * link to its hash, and hash to what it stores. The first failure is final.
 */
export class ChainVerifier {
  private expectedSequence: number;
  private prev: Buffer;
  private failure: VerifyFailure | null = null;
  count = 0;

  constructor(start: ChainStart) {
    this.expectedSequence = start.sequence + 1;
    this.prev = start.hash;
  }

  get lastSequence(): number {
    return this.expectedSequence - 1;
  }

  get lastHash(): Buffer {
    return this.prev;
  }

  get broken(): VerifyFailure | null {
    return this.failure;
  }

  push(row: StoredChainRow): VerifyFailure | null {
    if (this.failure) return this.failure;
    const fail = (reason: string) => (this.failure = { sequence: this.expectedSequence, reason });
    if (row.sequence !== this.expectedSequence) {
      return fail(
        row.sequence > this.expectedSequence
          ? `sequence ${this.expectedSequence} is missing`
          : `sequence ${row.sequence} is out of order`,
      );
    }
    if (!row.prevHash.equals(this.prev)) return fail('does not link to the previous event');
    const computed = chainHash(this.prev, row);
    if (!computed.equals(row.hash)) return fail('its content does not match its hash');
    this.prev = computed;
    this.expectedSequence += 1;
    this.count += 1;
    return null;
  }

  /**
   * After the last row: the chain must end exactly where its head says. Short of it, rows were cut
   * off the end; beyond it, rows were appended that the drain never wrote (it moves the head in the
   * same transaction), however well they hash. No head at all is the genesis head.
   */
  finish(found: { lastSequence: number; lastHash: Buffer } | null): VerifyFailure | null {
    if (this.failure) return this.failure;
    const head = found ?? { lastSequence: 0, lastHash: GENESIS_HASH };
    if (head.lastSequence < this.lastSequence) {
      return (this.failure = {
        sequence: head.lastSequence + 1,
        reason: `sequence ${head.lastSequence + 1} is past the chain head (at ${head.lastSequence}): not written by the drain`,
      });
    }
    if (head.lastSequence > this.lastSequence) {
      return (this.failure = {
        sequence: this.lastSequence + 1,
        reason: `sequence ${this.lastSequence + 1} is missing (the head is at ${head.lastSequence})`,
      });
    }
    if (head.lastSequence === this.lastSequence && !head.lastHash.equals(this.prev)) {
      return (this.failure = { sequence: this.lastSequence, reason: 'the last event does not match the chain head' });
    }
    return null;
  }
}

// ---------------------------------------------------------------------------------------------------
// Checkpoints (retention)

export function checkpointMessage(c: { tenantId: string; sequence: number; hash: Buffer }): string {
  return `mfiq-audit-checkpoint:v1:${c.tenantId}:${c.sequence}:${c.hash.toString('hex')}`;
}

export function signCheckpoint(key: Buffer, c: { tenantId: string; sequence: number; hash: Buffer }): Buffer {
  return createHmac('sha256', key).update(checkpointMessage(c)).digest();
}

export function checkpointValid(
  key: Buffer,
  c: { tenantId: string; sequence: number; hash: Buffer; signature: Buffer },
): boolean {
  const expected = signCheckpoint(key, c);
  return expected.length === c.signature.length && timingSafeEqual(expected, c.signature);
}

/** A short, non-secret id for a key, stored with each checkpoint so keys can rotate. */
export function keyId(key: Buffer): string {
  return createHash('sha256').update('mfiq-checkpoint-key-id').update(key).digest('hex').slice(0, 16);
}
