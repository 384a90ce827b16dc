import type { TenantDb } from '@mfiq/db';
import { audit, type AuditContext } from '../audit.ts';

/** An upload nobody started within this many days is expired by the nightly housekeeping job. */
export const UNSTARTED_UPLOAD_MAX_AGE_DAYS = 7;

export const EXPIRED_UPLOAD_MESSAGE = `Not started within ${UNSTARTED_UPLOAD_MAX_AGE_DAYS} days, so the uploaded file was discarded. Upload it again to import it.`;

/**
 * Ends the organization's uploads that were never started and are older than `before`: they become
 * failed imports that say why, their stored bytes are dropped, and each gets an audit event. Only
 * rows still 'uploaded' are touched, so an import started at the same moment wins (the row lock
 * makes the two updates take turns and this one re-checks the status). Returns how many expired.
 */
export async function expireUnstartedUploads(
  trx: TenantDb,
  tenantId: string,
  before: Date,
  jobId: string,
): Promise<number> {
  const expired = await trx
    .updateTable('imports')
    .set({ status: 'failed', error: EXPIRED_UPLOAD_MESSAGE, finishedAt: new Date() })
    .where('tenantId', '=', tenantId)
    .where('status', '=', 'uploaded')
    .where('createdAt', '<', before)
    .returning(['id', 'fileName', 'sha256', 'sizeBytes', 'createdAt'])
    .execute();
  if (expired.length === 0) return 0;
  await trx
    .deleteFrom('importChunks')
    .where('tenantId', '=', tenantId)
    .where(
      'importId',
      'in',
      expired.map((r) => r.id),
    )
    .execute();
  const ctx: AuditContext = {
    db: trx,
    tenant: { id: tenantId },
    actor: { type: 'system', id: null, display: 'Housekeeping' },
    request: { ip: null, userAgent: null, requestId: `job:${jobId}` },
  };
  for (const r of expired) {
    await audit(ctx, {
      action: 'import.expired',
      target: { type: 'import', id: r.id, display: r.fileName },
      before: { status: 'uploaded', uploadedAt: r.createdAt.toISOString(), sizeBytes: Number(r.sizeBytes) },
      after: { status: 'failed', error: EXPIRED_UPLOAD_MESSAGE },
    });
  }
  return expired.length;
}
