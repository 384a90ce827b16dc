import { sql, type Database } from '@mfiq/db';

const PURGE_EVERY_MS = 10 * 60_000;

/**
 * Single use of form tokens: the first submission records the nonce, a replay finds it taken.
 * Rows live until the token would have expired; expired ones are purged now and then by whichever
 * replica comes by (a missed purge only costs space).
 */
export function createNonceStore(db: Database) {
  let lastPurge = 0;
  return {
    /** True when this nonce was unused (and is now used); false for a replay. */
    async consume(nonce: string, form: string, expiresAt: Date): Promise<boolean> {
      if (Date.now() - lastPurge > PURGE_EVERY_MS) {
        lastPurge = Date.now();
        await sql`delete from form_nonces where expires_at < now()`.execute(db);
      }
      const r = await sql<{ nonce: string }>`
        insert into form_nonces (nonce, form, expires_at) values (${nonce}, ${form}, ${expiresAt})
        on conflict (nonce) do nothing returning nonce`.execute(db);
      return r.rows.length === 1;
    },
  };
}
