import { sql, type Database } from '@mfiq/db';
import { enqueueMail, type Mail } from './mail.ts';

/** A network the user has not signed in from for this long counts as unknown again. */
const SIGN_IN_SOURCE_DAYS = 90;

/** Every outstanding reset link of the user stops working (its password changed). */
async function withdrawResetTokens(trx: Database, userId: string, now: Date) {
  await trx
    .updateTable('passwordResetTokens')
    .set({ usedAt: now })
    .where('userId', '=', userId)
    .where('usedAt', 'is', null)
    .execute();
}

/**
 * Named operations on global account tables (two-factor, recovery codes, sign-in challenges,
 * reset and sign-up tokens, mail). Each single-use check is one conditional UPDATE, so two
 * concurrent requests can never both spend the same code or token.
 */
export function createAccountPlatform(db: Database) {
  return {
    async findUserById(userId: string) {
      return db
        .selectFrom('users')
        .select(['id', 'email', 'displayName', 'passwordHash', 'disabledAt'])
        .where('id', '=', userId)
        .executeTakeFirst();
    },

    /**
     * A new password (change or reset): every outstanding reset link of the user dies with the old
     * password, in the same transaction. A rehash of the same password (updatePasswordHash) is not a
     * change and leaves them alone.
     */
    async setPassword(userId: string, passwordHash: string) {
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('users').set({ passwordHash, updatedAt: new Date() }).where('id', '=', userId).execute();
        await withdrawResetTokens(trx, userId, new Date());
      });
    },

    /** The user behind an email, for sign-in, and whether they signed in from this network lately. */
    async findUserForSignIn(email: string, network: string) {
      return db
        .selectFrom('users as u')
        .select(['u.id', 'u.email', 'u.displayName', 'u.passwordHash', 'u.disabledAt'])
        .select((eb) =>
          eb
            .exists(
              eb
                .selectFrom('signInSources as s')
                .select('s.userId')
                .whereRef('s.userId', '=', 'u.id')
                .where('s.networkHash', '=', network)
                .where('s.lastSuccessAt', '>', sql<Date>`now() - make_interval(days => ${SIGN_IN_SOURCE_DAYS})`),
            )
            .as('knownSource'),
        )
        .where(sql<string>`lower(u.email)`, '=', email.toLowerCase())
        .executeTakeFirst();
    },

    /** Remembers a network the user signed in from (and forgets those unused for SIGN_IN_SOURCE_DAYS). */
    async rememberSignInSource(userId: string, network: string) {
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('signInSources')
          .values({ userId, networkHash: network })
          .onConflict((oc) => oc.columns(['userId', 'networkHash']).doUpdateSet({ lastSuccessAt: sql`now()` }))
          .execute();
        await trx
          .deleteFrom('signInSources')
          .where('userId', '=', userId)
          .where('lastSuccessAt', '<', sql<Date>`now() - make_interval(days => ${SIGN_IN_SOURCE_DAYS})`)
          .execute();
      });
    },

    async sendMail(mail: Mail) {
      await enqueueMail(db, mail);
    },

    // Two-factor ------------------------------------------------------------------------------
    async twoFactorOf(userId: string) {
      return db
        .selectFrom('userTwoFactor')
        .select(['secretCiphertext', 'enabledAt', 'lastUsedStep'])
        .where('userId', '=', userId)
        .executeTakeFirst();
    },

    /** A new pending secret; an enabled one is never replaced here. Returns false if enabled. */
    async savePendingTwoFactor(userId: string, secretCiphertext: string): Promise<boolean> {
      const row = await db
        .insertInto('userTwoFactor')
        .values({ userId, secretCiphertext })
        .onConflict((oc) =>
          oc
            .column('userId')
            .doUpdateSet({ secretCiphertext, lastUsedStep: null, createdAt: new Date() })
            .where('userTwoFactor.enabledAt', 'is', null),
        )
        .returning('userId')
        .executeTakeFirst();
      return row !== undefined;
    },

    /** Enables two-factor with its first code's step and a fresh set of recovery codes, atomically. */
    async enableTwoFactor(userId: string, step: number, recoveryCodeHashes: string[]): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        const done = await trx
          .updateTable('userTwoFactor')
          .set({ enabledAt: new Date(), lastUsedStep: step })
          .where('userId', '=', userId)
          .where('enabledAt', 'is', null)
          .executeTakeFirst();
        if (Number(done.numUpdatedRows) !== 1) return false;
        await trx.deleteFrom('recoveryCodes').where('userId', '=', userId).execute();
        await trx
          .insertInto('recoveryCodes')
          .values(recoveryCodeHashes.map((codeHash) => ({ userId, codeHash, keyed: true })))
          .execute();
        return true;
      });
    },

    async disableTwoFactor(userId: string) {
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('recoveryCodes').where('userId', '=', userId).execute();
        await trx.deleteFrom('userTwoFactor').where('userId', '=', userId).execute();
      });
    },

    async replaceRecoveryCodes(userId: string, hashes: string[]) {
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('recoveryCodes').where('userId', '=', userId).execute();
        await trx
          .insertInto('recoveryCodes')
          .values(hashes.map((codeHash) => ({ userId, codeHash, keyed: true })))
          .execute();
      });
    },

    /** Spends a TOTP step: true only if it is later than every step used before. */
    async spendTotpStep(userId: string, step: number): Promise<boolean> {
      const r = await db
        .updateTable('userTwoFactor')
        .set({ lastUsedStep: step })
        .where('userId', '=', userId)
        .where('enabledAt', 'is not', null)
        .where((eb) => eb.or([eb('lastUsedStep', 'is', null), eb('lastUsedStep', '<', step)]))
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    /**
     * Spends a recovery code given in both stored forms: keyed (HMAC), and the legacy digest for a
     * row written before the web converted it (upgradeRecoveryCodes), e.g. by an older replica.
     */
    async spendRecoveryCode(userId: string, hashes: { keyed: string; legacy: string }): Promise<boolean> {
      const r = await db
        .updateTable('recoveryCodes')
        .set({ usedAt: new Date() })
        .where('userId', '=', userId)
        .where((eb) =>
          eb.or([
            eb.and([eb('keyed', '=', true), eb('codeHash', '=', hashes.keyed)]),
            eb.and([eb('keyed', '=', false), eb('codeHash', '=', hashes.legacy)]),
          ]),
        )
        .where('usedAt', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    async recoveryCodesLeft(userId: string): Promise<number> {
      const r = await db
        .selectFrom('recoveryCodes')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('userId', '=', userId)
        .where('usedAt', 'is', null)
        .executeTakeFirstOrThrow();
      return r.n;
    },

    // Sign-in challenges (second step for two-factor accounts) --------------------------------
    async createChallenge(id: string, userId: string, expiresAt: Date) {
      await db.insertInto('signInChallenges').values({ id, userId, expiresAt }).execute();
    },

    /** Counts an attempt and returns the challenge if it is still usable (unexpired, attempts left). */
    async attemptChallenge(id: string, now: Date, maxAttempts: number) {
      return db
        .updateTable('signInChallenges')
        .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
        .where('id', '=', id)
        .where('expiresAt', '>', now)
        .where('attempts', '<', maxAttempts)
        .returning(['userId', 'attempts'])
        .executeTakeFirst();
    },

    async deleteChallenge(id: string) {
      await db.deleteFrom('signInChallenges').where('id', '=', id).execute();
    },

    // Password reset ---------------------------------------------------------------------------
    async createResetToken(id: string, userId: string, expiresAt: Date, mail: Mail) {
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('passwordResetTokens').values({ id, userId, expiresAt }).execute();
        await enqueueMail(trx, mail);
      });
    },

    async findResetToken(id: string, now: Date) {
      return db
        .selectFrom('passwordResetTokens')
        .select('userId')
        .where('id', '=', id)
        .where('usedAt', 'is', null)
        .where('expiresAt', '>', now)
        .executeTakeFirst();
    },

    /**
     * Spends a reset link and sets the new password in one transaction, withdrawing every other
     * outstanding link of the user. The user row is locked first, so two links used at once are
     * serialized: the second finds itself withdrawn. Undefined if the link is unknown, used or expired.
     */
    async resetPasswordWithToken(id: string, now: Date, passwordHash: string) {
      return db.transaction().execute(async (trx) => {
        const pending = await trx
          .selectFrom('passwordResetTokens')
          .select('userId')
          .where('id', '=', id)
          .executeTakeFirst();
        if (!pending) return undefined;
        await trx.selectFrom('users').select('id').where('id', '=', pending.userId).forUpdate().execute();
        const spent = await trx
          .updateTable('passwordResetTokens')
          .set({ usedAt: now })
          .where('id', '=', id)
          .where('usedAt', 'is', null)
          .where('expiresAt', '>', now)
          .returning('userId')
          .executeTakeFirst();
        if (!spent) return undefined;
        await trx.updateTable('users').set({ passwordHash, updatedAt: now }).where('id', '=', spent.userId).execute();
        await withdrawResetTokens(trx, spent.userId, now);
        return spent;
      });
    },

    // Sign-up requests ---------------------------------------------------------------------------
    /** A new pending sign-up; any earlier pending one for the address stops working. */
    async createSignupRequest(
      values: {
        id: string;
        email: string;
        displayName: string;
        organizationName: string;
        organizationSlug: string | null;
        expiresAt: Date;
      },
      mail: Mail,
    ) {
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('signupRequests')
          .set({ usedAt: new Date() })
          .where(sql<string>`lower(email)`, '=', values.email.toLowerCase())
          .where('usedAt', 'is', null)
          .execute();
        await trx.insertInto('signupRequests').values(values).execute();
        await enqueueMail(trx, mail);
      });
    },

    /** A pending sign-up by its link, without spending it (the confirmation page shows it). */
    async findSignupRequest(id: string, now: Date) {
      return db
        .selectFrom('signupRequests')
        .select(['email', 'displayName', 'organizationName', 'organizationSlug'])
        .where('id', '=', id)
        .where('usedAt', 'is', null)
        .where('expiresAt', '>', now)
        .executeTakeFirst();
    },

    async spendSignupRequest(id: string, now: Date) {
      return db
        .updateTable('signupRequests')
        .set({ usedAt: now })
        .where('id', '=', id)
        .where('usedAt', 'is', null)
        .where('expiresAt', '>', now)
        .returning(['email', 'displayName', 'organizationName', 'organizationSlug'])
        .executeTakeFirst();
    },

    /** User agents of the user's live sessions: a sign-in from another one is a "new device". */
    async knownUserAgents(userId: string, now: Date): Promise<Set<string>> {
      const rows = await db
        .selectFrom('sessions')
        .select('userAgent')
        .where('userId', '=', userId)
        .where(sql<Date>`least(expires_at, absolute_expires_at)`, '>', now)
        .execute();
      return new Set(rows.map((r) => r.userAgent ?? ''));
    },
  };
}
