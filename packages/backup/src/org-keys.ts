import { randomBytes, randomUUID } from 'node:crypto';
import { sql, TenantNotFoundError, withTenant, type Database } from '@mfiq/db';
import { BackupError } from './errors.ts';
import { unwrapOrgKey, wrapOrgKey, type Keyring } from './keyring.ts';

/**
 * What opening a backup needs: the master keys, and the database that holds each organization's
 * backup key (table backup_keys, read under the organization's row-level security). The key lives
 * in the database and never in a backup, so erasing the organization (which deletes its row)
 * makes every copy of its backups unreadable: crypto-shredding (docs/decisions/0121).
 */
export interface BackupKeys {
  keyring: Keyring;
  db: Database;
}

export interface OrgKey {
  id: string;
  key: Buffer;
}

/**
 * The organization's backup key, created at its first backup. A key wrapped under a master key
 * other than the active one is re-wrapped under the active one, so a retired master key stops
 * being needed once every organization has backed up after the rotation. Runs as the worker role.
 */
export async function orgKeyForBackup(keys: BackupKeys, tenantId: string): Promise<OrgKey> {
  // Backups go on under a lock (ADR 0081), so their key does too.
  return withTenant(keys.db, { tenantId, evenIfLocked: true }, async (trx) => {
    let row = await trx
      .selectFrom('backupKeys')
      .select(['id', 'masterKeyId', 'wrappedKey'])
      .where('tenantId', '=', tenantId)
      .forUpdate()
      .executeTakeFirst();
    if (!row) {
      const id = randomUUID();
      const wrapped = wrapOrgKey(keys.keyring, randomBytes(32), tenantId, id);
      // Two first backups at once: the second finds the first's key.
      await trx
        .insertInto('backupKeys')
        .values({ tenantId, id, ...wrapped })
        .onConflict((oc) => oc.column('tenantId').doNothing())
        .execute();
      row = await trx
        .selectFrom('backupKeys')
        .select(['id', 'masterKeyId', 'wrappedKey'])
        .where('tenantId', '=', tenantId)
        .executeTakeFirstOrThrow();
    }
    const key = unwrapOrgKey(keys.keyring, row, tenantId, row.id);
    if (row.masterKeyId !== keys.keyring.activeId) {
      await trx
        .updateTable('backupKeys')
        .set({ ...wrapOrgKey(keys.keyring, key, tenantId, row.id), rewrappedAt: new Date() })
        .where('tenantId', '=', tenantId)
        .where('id', '=', row.id)
        .execute();
    }
    return { id: row.id, key };
  });
}

/**
 * The key a backup names. After the organization's erasure the key is gone on purpose:
 * KEY_DESTROYED, saying when. A key this database never had: KEY_MISSING.
 */
export async function orgKeyForRestore(
  keys: BackupKeys,
  ref: { tenantId: string; backupId: string },
  orgKeyId: string,
): Promise<Buffer> {
  // Restores and drills go on under a lock; an erased organization is not found (its record says why).
  const row = await withTenant(keys.db, { tenantId: ref.tenantId, evenIfLocked: true }, (trx) =>
    trx
      .selectFrom('backupKeys')
      .select(['masterKeyId', 'wrappedKey'])
      .where('tenantId', '=', ref.tenantId)
      .where('id', '=', orgKeyId)
      .executeTakeFirst(),
  ).catch((error: unknown) => {
    if (error instanceof TenantNotFoundError) return undefined;
    throw error;
  });
  if (row) return unwrapOrgKey(keys.keyring, row, ref.tenantId, orgKeyId);
  const { rows } = await sql<{
    slug: string;
    erasedAt: Date;
  }>`select slug, erased_at from app_organization_erasure(${ref.tenantId})`.execute(keys.db);
  const erased = rows[0];
  if (erased) {
    throw new BackupError(
      'KEY_DESTROYED',
      `Backup ${ref.backupId} cannot be decrypted: the backup key of organization "${erased.slug}" was destroyed when the organization was erased on ${new Date(erased.erasedAt).toISOString()}. Every copy of its backups is unreadable by design.`,
    );
  }
  throw new BackupError(
    'KEY_MISSING',
    `Backup ${ref.backupId} is encrypted under organization key ${orgKeyId}, which this database does not hold (backups of an organization restore into the database that holds its key).`,
  );
}
