import { TenantLockedError, withTenant, type Database, type TenantDb } from '@mfiq/db';

/**
 * How alert jobs enter an organization. They act for its people (notify, mail, call webhooks in its
 * name), so they use withTenant without evenIfLocked: a locked organization is not entered
 * (ADR 0081). Its job then ends cleanly with `locked` instead of failing, so graphile-worker does
 * not retry it for as long as the lock lasts; app_alert_work queues nothing for it either, and the
 * first sweep after the unlock picks its work up again (pending webhook deliveries stay due).
 */
export async function unlessLocked<T>(
  db: Database,
  tenantId: string,
  work: (trx: TenantDb) => Promise<T>,
): Promise<{ locked: true } | { locked: false; result: T }> {
  try {
    return { locked: false, result: await withTenant(db, { tenantId }, work) };
  } catch (error) {
    if (error instanceof TenantLockedError) return { locked: true };
    throw error;
  }
}
