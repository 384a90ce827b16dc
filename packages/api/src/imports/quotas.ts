import { sql, type TenantDb } from '@mfiq/db';
import { AppError } from '../errors.ts';
import type { ImportQuotas } from './limits.ts';

const size = (bytes: number) =>
  bytes < 1024 * 1024
    ? `${Math.round(bytes / 1024)} kB`
    : `${Math.round(bytes / 1024 / 1024).toLocaleString('en-US')} MB`;
const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * Takes one of the organization's upload slots for the rest of this transaction, or refuses. A
 * slot is a transaction-scoped advisory lock (one key per organization and slot number), so it is
 * shared by every web replica and released by commit, rollback or a dropped connection alike:
 * nothing to clean up after a crash.
 */
export async function claimUploadSlot(db: TenantDb, tenantId: string, quotas: ImportQuotas): Promise<void> {
  for (let slot = 0; slot < quotas.maxUploads; slot++) {
    const { rows } = await sql<{ ok: boolean }>`
      select pg_try_advisory_xact_lock(hashtext(${`mfiq:import-upload:${tenantId}`}), ${slot}) as ok`.execute(db);
    if (rows[0]?.ok) return;
  }
  throw new AppError(
    'CONFLICT',
    `${plural(quotas.maxUploads, 'upload is', 'uploads are')} already in progress in this organization (the limit). Wait for ${quotas.maxUploads === 1 ? 'it' : 'one'} to finish, then upload again.`,
  );
}

/** Bytes of this organization's uploaded files still kept: those whose import has not run yet. */
export async function storedImportBytes(db: TenantDb, tenantId: string): Promise<number> {
  const row = await db
    .selectFrom('imports')
    .select(sql<string>`coalesce(sum(size_bytes), 0)::text`.as('bytes'))
    .where('tenantId', '=', tenantId)
    .where('status', 'in', ['uploaded', 'queued', 'running'])
    .executeTakeFirstOrThrow();
  return Number(row.bytes);
}

/** The refusal when an upload would take the organization past its storage quota. */
export function storageQuotaError(quotas: ImportQuotas, stored: number): AppError {
  return new AppError(
    'TOO_LARGE',
    `This organization keeps at most ${size(quotas.storageBytes)} of uploaded files waiting to be imported (${size(stored)} now). Start or wait for the pending imports, or upload a smaller file.`,
  );
}

/**
 * Refuses to queue another import when the organization already has its maximum waiting or
 * running. Starts of one organization take turns (an advisory lock), so two at once cannot both
 * take the last place.
 */
export async function checkQueueRoom(db: TenantDb, tenantId: string, quotas: ImportQuotas): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(${`mfiq:import-queue:${tenantId}`}), 0)`.execute(db);
  const { n } = await db
    .selectFrom('imports')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('tenantId', '=', tenantId)
    .where('status', 'in', ['queued', 'running'])
    .executeTakeFirstOrThrow();
  if (n >= quotas.maxQueued)
    throw new AppError(
      'CONFLICT',
      `${plural(n, 'import is', 'imports are')} already waiting or running in this organization (the limit is ${quotas.maxQueued}). Start this one when one of them has finished.`,
    );
}
