import { writeTenantAudit, type OutboxEvent, type TenantDb } from '@mfiq/db';
import type { AuditAction } from './audit-actions.ts';

type ActorType = 'user' | 'api_key' | 'system' | 'public_form';

export interface AuditActor {
  type: ActorType;
  id: string | null;
  display: string | null;
}

export interface AuditRequestInfo {
  ip: string | null;
  userAgent: string | null;
  requestId: string;
}

/** The outbox builder's event, with the action one of the typed list. */
export interface AuditEvent extends OutboxEvent {
  action: AuditAction;
}

/** What the helper needs from a procedure's context: the tenant transaction and who is asking. */
export interface AuditContext {
  db: TenantDb;
  tenant: { id: string };
  actor: AuditActor;
  request: AuditRequestInfo;
}

/** Keeps only the fields whose value changed, so an update's event says what it changed. */
export function changedFields<T extends Record<string, unknown>>(
  before: T,
  after: Partial<T>,
): { before: Partial<T>; after: Partial<T> } {
  const b: Partial<T> = {};
  const a: Partial<T> = {};
  for (const key of Object.keys(after) as (keyof T)[]) {
    if (after[key] !== undefined && String(before[key]) !== String(after[key])) {
      b[key] = before[key];
      a[key] = after[key];
    }
  }
  return { before: b, after: a };
}

/** Writes the event to audit_outbox inside the caller's transaction: it commits or rolls back with the change. */
export async function audit(ctx: AuditContext, event: AuditEvent): Promise<void> {
  await writeTenantAudit(ctx.db, ctx.tenant.id, ctx.actor, ctx.request, event);
}
