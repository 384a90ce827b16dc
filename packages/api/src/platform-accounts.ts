import { sql, type Database } from '@mfiq/db';
import { enqueueMail, type Mail } from './mail.ts';

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

    async setPassword(userId: string, passwordHash: string) {
      await db.updateTable('users').set({ passwordHash, updatedAt: new Date() }).where('id', '=', userId).execute();
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
          .values(recoveryCodeHashes.map((codeHash) => ({ userId, codeHash })))
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
          .values(hashes.map((codeHash) => ({ userId, codeHash })))
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

    async spendRecoveryCode(userId: string, codeHash: string): Promise<boolean> {
      const r = await db
        .updateTable('recoveryCodes')
        .set({ usedAt: new Date() })
        .where('userId', '=', userId)
        .where('codeHash', '=', codeHash)
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

    /** Marks the token used and returns its user, or undefined if unknown, used or expired. */
    async spendResetToken(id: string, now: Date) {
      return db
        .updateTable('passwordResetTokens')
        .set({ usedAt: now })
        .where('id', '=', id)
        .where('usedAt', 'is', null)
        .where('expiresAt', '>', now)
        .returning('userId')
        .executeTakeFirst();
    },

    // Sign-up requests ---------------------------------------------------------------------------
    async createSignupRequest(
      values: {
        id: string;
        email: string;
        displayName: string;
        passwordHash: string;
        organizationName: string;
        organizationSlug: string | null;
        expiresAt: Date;
      },
      mail: Mail,
    ) {
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('signupRequests').values(values).execute();
        await enqueueMail(trx, mail);
      });
    },

    async spendSignupRequest(id: string, now: Date) {
      return db
        .updateTable('signupRequests')
        .set({ usedAt: now })
        .where('id', '=', id)
        .where('usedAt', 'is', null)
        .where('expiresAt', '>', now)
        .returning(['email', 'displayName', 'passwordHash', 'organizationName', 'organizationSlug'])
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
