import type { Database } from '@mfiq/db';
import type { Adapter, DatabaseSession, DatabaseUser } from 'lucia';
import { sessionTokenHash } from './token.ts';

interface StoredSessionAttributes {
  createdAt: Date;
  lastSeenAt: Date;
  absoluteExpiresAt: Date;
  authenticatedAt: Date;
  ip: string | null;
  userAgent: string | null;
}

interface StoredUserAttributes {
  email: string;
  displayName: string;
}

declare module 'lucia' {
  interface Register {
    DatabaseSessionAttributes: StoredSessionAttributes;
    DatabaseUserAttributes: StoredUserAttributes;
  }
}

/**
 * lucia's Adapter over our sessions and users tables. What lucia calls the session id is the token
 * the cookie carries; every method hashes it before it touches SQL, so only SHA-256 hex is ever
 * written or looked up. One consequence: getUserSessions() can only return stored ids (hashes),
 * not tokens. The hash-keyed methods below the interface ones serve callers that hold a
 * SessionInfo.id (sign out one device, sign out everywhere else) and the sliding update, which
 * lucia's updateSessionExpiration() cannot express because it does not carry last_seen_at.
 */
export class KyselySessionAdapter implements Adapter {
  private readonly db: Database;
  private readonly now: () => Date;

  constructor(db: Database, now: () => Date) {
    this.db = db;
    this.now = now;
  }

  /** The session joined with its user in one statement; the user is null when disabled. */
  async getSessionAndUser(token: string): Promise<[session: DatabaseSession | null, user: DatabaseUser | null]> {
    const row = await this.db
      .selectFrom('sessions as s')
      .innerJoin('users as u', 'u.id', 's.userId')
      .select([
        's.userId',
        's.createdAt',
        's.lastSeenAt',
        's.expiresAt',
        's.absoluteExpiresAt',
        's.authenticatedAt',
        's.ip',
        's.userAgent',
      ])
      .select(['u.email', 'u.displayName', 'u.disabledAt'])
      .where('s.id', '=', sessionTokenHash(token))
      .executeTakeFirst();
    if (!row) return [null, null];
    const session: DatabaseSession = {
      id: token,
      userId: row.userId,
      expiresAt: row.expiresAt,
      attributes: {
        createdAt: row.createdAt,
        lastSeenAt: row.lastSeenAt,
        absoluteExpiresAt: row.absoluteExpiresAt,
        authenticatedAt: row.authenticatedAt,
        ip: row.ip,
        userAgent: row.userAgent,
      },
    };
    const user: DatabaseUser | null = row.disabledAt
      ? null
      : { id: row.userId, attributes: { email: row.email, displayName: row.displayName } };
    return [session, user];
  }

  /** Ids in the result are the stored hashes: the tokens are not kept anywhere. */
  async getUserSessions(userId: string): Promise<DatabaseSession[]> {
    const rows = await this.db.selectFrom('sessions').selectAll().where('userId', '=', userId).execute();
    return rows.map((r) => ({
      id: r.id,
      userId: r.userId,
      expiresAt: r.expiresAt,
      attributes: {
        createdAt: r.createdAt,
        lastSeenAt: r.lastSeenAt,
        absoluteExpiresAt: r.absoluteExpiresAt,
        authenticatedAt: r.authenticatedAt,
        ip: r.ip,
        userAgent: r.userAgent,
      },
    }));
  }

  async setSession(session: DatabaseSession): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({
        id: sessionTokenHash(session.id),
        userId: session.userId,
        expiresAt: session.expiresAt,
        ...session.attributes,
      })
      .execute();
  }

  async updateSessionExpiration(token: string, expiresAt: Date): Promise<void> {
    await this.db.updateTable('sessions').set({ expiresAt }).where('id', '=', sessionTokenHash(token)).execute();
  }

  async deleteSession(token: string): Promise<void> {
    await this.deleteSessionById(sessionTokenHash(token));
  }

  /** exceptId: a stored id (hash) to keep, typically the session making the request. */
  async deleteUserSessions(userId: string, exceptId?: string): Promise<void> {
    let q = this.db.deleteFrom('sessions').where('userId', '=', userId);
    if (exceptId !== undefined) q = q.where('id', '<>', exceptId);
    await q.execute();
  }

  async deleteExpiredSessions(): Promise<void> {
    // Phrased as least(...) so it uses sessions_expiry_idx.
    await this.db
      .deleteFrom('sessions')
      .where((eb) => eb(eb.fn<Date>('least', ['expiresAt', 'absoluteExpiresAt']), '<=', this.now()))
      .execute();
  }

  // Hash-keyed extensions (not part of lucia's Adapter) ----------------------------------------

  async deleteSessionById(id: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id', '=', id).execute();
  }

  /** A fresh proof of identity (re-authentication) on an existing session. */
  async markAuthenticated(id: string, at: Date): Promise<void> {
    await this.db.updateTable('sessions').set({ authenticatedAt: at }).where('id', '=', id).execute();
  }

  /**
   * Records activity. The `lastSeenAt <` guard keeps two concurrent requests from moving the
   * clock backwards.
   */
  async touchSession(token: string, lastSeenAt: Date, expiresAt: Date): Promise<void> {
    await this.db
      .updateTable('sessions')
      .set({ lastSeenAt, expiresAt })
      .where('id', '=', sessionTokenHash(token))
      .where('lastSeenAt', '<', lastSeenAt)
      .execute();
  }
}
