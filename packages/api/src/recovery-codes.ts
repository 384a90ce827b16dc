import { upgradeRecoveryDigest, type SecretBox } from '@mfiq/auth';
import type { Database } from '@mfiq/db';

const BATCH = 500;

/**
 * Converts recovery codes stored as bare SHA-256 (before migration 0025) to the keyed form, in
 * place: HMAC over the stored digest, so no plain code is needed. Idempotent and safe to run from
 * several web processes at once (each row is converted by a conditional UPDATE). Returns how many
 * rows this call converted.
 */
export async function upgradeRecoveryCodes(db: Database, box: SecretBox): Promise<number> {
  let converted = 0;
  for (;;) {
    const rows = await db
      .selectFrom('recoveryCodes')
      .select(['id', 'codeHash'])
      .where('keyed', '=', false)
      .limit(BATCH)
      .execute();
    for (const row of rows) {
      const done = await db
        .updateTable('recoveryCodes')
        .set({ codeHash: upgradeRecoveryDigest(box, row.codeHash), keyed: true })
        .where('id', '=', row.id)
        .where('keyed', '=', false)
        .executeTakeFirst();
      converted += Number(done.numUpdatedRows);
    }
    if (rows.length < BATCH) return converted;
  }
}
