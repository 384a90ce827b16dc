import type { Insertable } from 'kysely';
import type { Database } from './client.ts';
import type { Json, PlatformAuditOutboxTable } from './generated/db.ts';
import type { TenantDb } from './tenant.ts';

/**
 * The one builder of audit-outbox rows. The API's `audit()`, the platform's security events, the
 * anti-abuse layer, the operator CLI and the worker's system events all describe an event the same
 * way and write it here, so every row carries the same columns, defaults and redaction whichever
 * outbox (a tenant's, inside its transaction, or the platform's) it goes to.
 */
export interface OutboxActor {
  /** 'user', 'api_key', 'system', 'public_form' or, on the platform outbox only, 'anonymous'. */
  type: string;
  id?: string | null;
  display?: string | null;
}

/** Where the event came from; system events (the worker, the CLI's run id) fill what they have. */
export interface OutboxRequest {
  ip?: string | null;
  userAgent?: string | null;
  requestId?: string | null;
}

export interface OutboxEvent {
  action: string;
  outcome?: 'success' | 'failure';
  target?: { type: string; id: string; display?: string | null };
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
}

const SECRET_KEY = /pass(word)?|secret|token|hash|key|otp|recovery/i;

/** Secrets never enter the audit trail, whatever a caller passes as before/after. */
export function redact(value: Record<string, unknown> | null | undefined): Json | null {
  if (value == null) return null;
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(value)) {
    if (SECRET_KEY.test(k)) out[k] = '[redacted]';
    else if (v instanceof Date) out[k] = v.toISOString();
    else if (v !== null && typeof v === 'object' && !Array.isArray(v)) out[k] = redact(v as Record<string, unknown>);
    else out[k] = (v ?? null) as Json;
  }
  return out;
}

/** The columns of one event, shared by both outboxes (the tenant's adds its tenant id). */
export function outboxRow(
  actor: OutboxActor,
  request: OutboxRequest,
  event: OutboxEvent,
): Insertable<PlatformAuditOutboxTable> {
  return {
    action: event.action,
    outcome: event.outcome ?? 'success',
    actorType: actor.type,
    actorId: actor.id ?? null,
    actorDisplay: actor.display ?? null,
    targetType: event.target?.type ?? null,
    targetId: event.target?.id ?? null,
    targetDisplay: event.target?.display ?? null,
    before: redact(event.before),
    after: redact(event.after),
    ip: request.ip ?? null,
    userAgent: request.userAgent ?? null,
    requestId: request.requestId ?? null,
  };
}

/** Writes a tenant's event inside its transaction: it commits or rolls back with the change. */
export async function writeTenantAudit(
  trx: TenantDb,
  tenantId: string,
  actor: OutboxActor,
  request: OutboxRequest,
  event: OutboxEvent,
): Promise<void> {
  await trx
    .insertInto('auditOutbox')
    .values({ tenantId, ...outboxRow(actor, request, event) })
    .execute();
}

/** Writes an event that belongs to no tenant (accounts, sign-in, form abuse, operator listings). */
export async function writePlatformAudit(
  db: Database,
  actor: OutboxActor,
  request: OutboxRequest,
  event: OutboxEvent,
): Promise<void> {
  await db
    .insertInto('platformAuditOutbox')
    .values(outboxRow(actor, request, event))
    .execute();
}
