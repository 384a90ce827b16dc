import { writeTenantAudit, type TenantDb } from '@mfiq/db';

/** Every audited action, `object.verb`. A typed list so the log can be filtered by known values. */
export const AUDIT_ACTIONS = [
  'organization.created',
  'organization.updated',
  'member.added',
  'user.signed_up',
  'user.signed_in',
  'user.sign_in_failed',
  'user.signed_out',
  // Security events and operator actions (incident response).
  'permission.denied',
  'abuse.rate_limited',
  'user.disabled',
  'user.enabled',
  'session.revoked',
  'organization.locked',
  'organization.unlocked',
  'audit.exported',
  'security_events.listed',
  'user.sign_in_throttled',
  'user.sign_up_requested',
  'user.reauthenticated',
  'user.password_changed',
  'user.password_reset_requested',
  'user.password_reset',
  'user.two_factor_enabled',
  'user.two_factor_disabled',
  'user.two_factor_failed',
  'user.recovery_codes_regenerated',
  'user.recovery_code_used',
  'session.ended_by_policy',
  'member.invited',
  'invitation.revoked',
  'invitation.accepted',
  'member.role_changed',
  'member.removed',
  'member.left',
  'ownership.transferred',
  'security_policy.updated',
  'metric.created',
  'metric.updated',
  'metric.archived',
  'metric.restored',
  'data.points_written',
  'data.points_deleted',
  'target.created',
  'target.updated',
  'target.deleted',
  'api_key.created',
  'api_key.revoked',
  'dashboard.created',
  'dashboard.updated',
  'dashboard.deleted',
  'dashboard.tile_added',
  'dashboard.tile_removed',
  'dashboard.tiles_reordered',
  'dashboard.tile_updated',
  'dashboard.duplicated',
  'dashboard.share_link_created',
  'dashboard.share_link_updated',
  'dashboard.share_link_rotated',
  'dashboard.share_link_revoked',
  'annotation.created',
  'annotation.updated',
  'annotation.deleted',
  'data_form.created',
  'data_form.updated',
  'data_form.paused',
  'data_form.resumed',
  'data_form.link_rotated',
  'data_form.deleted',
  'import.uploaded',
  'import.queued',
  'import.completed',
  'import.failed',
  'import.expired',
  'backup.requested',
  'backup.exported',
  'backup.restored',
  'alert_rule.created',
  'alert_rule.updated',
  'alert_rule.deleted',
  'alert_rule.paused',
  'alert_rule.resumed',
  'alert_rule.muted',
  'alert_rule.snoozed',
  'alert_rule.unmuted',
  'alert.acknowledged',
  'alert_channel.created',
  'alert_channel.secret_rotated',
  'alert_channel.disabled',
  'alert_channel.enabled',
  'alert_channel.deleted',
  'notifications.read',
  'notification_settings.updated',
  'metric.followed',
  'metric.unfollowed',
  // Organization lifecycle (docs/decisions/0120..0124).
  'organization.slug_changed',
  'organization.deletion_requested',
  'organization.deletion_cancelled',
  'organization.erased',
  'retention.updated',
  'data.points_expired',
  'restore_drill.passed',
  'restore_drill.failed',
  'evidence.exported',
  'organization.notified',
  'contact_messages.listed',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

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

export interface AuditEvent {
  action: AuditAction;
  outcome?: 'success' | 'failure';
  target?: { type: string; id: string; display?: string | null };
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
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
