import { redact, type TenantDb } from '@mfiq/db';
import type { AuditEventOutput, AuditFilter } from './schemas.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * One page of the tenant's log, newest first, in the caller's tenant transaction (RLS scopes it;
 * the explicit tenant filter keeps the indexes in play). `before` is an exclusive upper sequence.
 */
export async function auditPage(
  db: TenantDb,
  tenantId: string,
  filter: AuditFilter,
  page: { before?: number; limit: number },
): Promise<AuditEventOutput[]> {
  let q = db
    .selectFrom('auditLog')
    .select([
      'sequence',
      'id',
      'occurredAt',
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
      'hash',
    ])
    .where('tenantId', '=', tenantId);
  if (filter.actor) {
    const actor = filter.actor;
    q = UUID.test(actor)
      ? q.where('actorId', '=', actor)
      : q.where((eb) => eb(eb.fn('lower', ['actorDisplay']), '=', actor.toLowerCase()));
  }
  if (filter.action) q = q.where('action', '=', filter.action);
  if (filter.targetType) q = q.where('targetType', '=', filter.targetType);
  if (filter.targetId) q = q.where('targetId', '=', filter.targetId);
  if (filter.from) q = q.where('occurredAt', '>=', filter.from);
  if (filter.to) q = q.where('occurredAt', '<', filter.to);
  if (page.before) q = q.where('sequence', '<', page.before);
  const rows = await q.orderBy('sequence', 'desc').limit(page.limit).execute();
  return rows.map((r) => ({
    sequence: r.sequence,
    id: r.id,
    occurredAt: r.occurredAt,
    action: r.action,
    outcome: r.outcome,
    actor: { type: r.actorType, id: r.actorId, display: r.actorDisplay },
    target: r.targetType ? { type: r.targetType, id: r.targetId, display: r.targetDisplay } : null,
    // Redacted when written; redacted again on the way out, so a secret can never be shown or exported.
    before: asRecord(r.before),
    after: asRecord(r.after),
    ip: r.ip,
    userAgent: r.userAgent,
    requestId: r.requestId,
    hash: r.hash.toString('hex'),
  }));
}

function asRecord(v: unknown) {
  return v && typeof v === 'object' && !Array.isArray(v) ? redact(v as Record<string, unknown>) : (v ?? null);
}
