import { validateSession, type Database, type SessionRow, type SessionRules } from '@mfiq/db';
import type { DatabaseSession } from 'lucia';
import { KyselySessionAdapter } from './adapter.ts';
import { readCookieToken, sessionCookieName } from './cookie.ts';
import { createLucia } from './lucia.ts';
import { generateSessionToken, isSessionId, isWellFormedToken, sessionTokenHash } from './token.ts';
import type { SessionInfo, SessionMeta, SessionUser } from './types.ts';

export const DEFAULT_IDLE_TIMEOUT_MS = 2 * 60 * 60 * 1000;
export const DEFAULT_ABSOLUTE_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;
/** Activity is written at most this often per session, so validation is a read, not a write, per request. */
export const SLIDE_INTERVAL_MS = 60 * 1000;

export interface AuthOptions {
  db: Database;
  /** Served over HTTPS: Secure cookie with the __Host- prefix. */
  secure: boolean;
  idleTimeoutMs?: number;
  absoluteLifetimeMs?: number;
  /** The clock; tests move it. */
  now?: () => Date;
}

export interface ValidatedSession {
  session: SessionInfo;
  user: SessionUser;
  /** How long the session had been idle when this request arrived (before it was touched). */
  idleMs: number;
}

export interface Auth {
  readonly cookieName: string;
  createSession(userId: string, meta: SessionMeta): Promise<{ token: string; session: SessionInfo; cookie: string }>;
  /** One statement (app_validate_session): dead sessions are deleted, activity recorded at most once per SLIDE_INTERVAL_MS. */
  validateSessionToken(token: string): Promise<ValidatedSession | null>;
  /** The clock and idle rules sessions are judged by, for the one-statement tenant entry (app_enter_request). */
  sessionRules(): SessionRules;
  /** sessionId is SessionInfo.id (the hash), not the token. */
  invalidateSession(sessionId: string): Promise<void>;
  invalidateUserSessions(userId: string, opts?: { exceptSessionId?: string }): Promise<void>;
  /** Records a fresh proof of identity on the session (re-authentication). */
  markAuthenticated(sessionId: string): Promise<Date>;
  /** The clock sessions are judged by (tests move it). */
  now(): Date;
  /** The user's live sessions, most recently active first. */
  listUserSessions(userId: string): Promise<SessionInfo[]>;
  readSessionToken(cookieHeader: string | null): string | null;
  /** A Set-Cookie value that removes the session cookie. */
  blankSessionCookie(): string;
}

function positiveMs(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 1000) throw new RangeError(`${name} must be at least 1000 ms, got ${value}`);
  return value;
}

function assertSessionId(name: string, value: string): void {
  // A token passed here by mistake would match nothing and silently leave the session alive.
  if (!isSessionId(value)) throw new TypeError(`${name} must be a session id (SHA-256 hex), not a token`);
}

/** A validated session row (app_validate_session or app_enter_request) as callers see it. */
export function validatedFromRow(row: SessionRow): ValidatedSession {
  return {
    session: {
      id: row.sessionId,
      userId: row.userId,
      createdAt: row.createdAt,
      lastSeenAt: row.lastSeenAt,
      expiresAt: row.expiresAt,
      absoluteExpiresAt: row.absoluteExpiresAt,
      authenticatedAt: row.authenticatedAt,
      ip: row.ip,
      userAgent: row.userAgent,
    },
    user: { id: row.userId, email: row.email, displayName: row.displayName },
    idleMs: row.idleMs,
  };
}

function toSessionInfo(id: string, s: DatabaseSession): SessionInfo {
  return { id, userId: s.userId, expiresAt: s.expiresAt, ...s.attributes };
}

export function createAuth(opts: AuthOptions): Auth {
  const now = opts.now ?? (() => new Date());
  const idleTimeoutMs = positiveMs('idleTimeoutMs', opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS);
  const absoluteLifetimeMs = positiveMs('absoluteLifetimeMs', opts.absoluteLifetimeMs ?? DEFAULT_ABSOLUTE_LIFETIME_MS);
  const cookieName = sessionCookieName(opts.secure);
  const adapter = new KyselySessionAdapter(opts.db, now);
  const lucia = createLucia(adapter, { cookieName, secure: opts.secure, absoluteLifetimeMs });

  // Idle is measured from the recorded last_seen_at, so it can run out up to SLIDE_INTERVAL_MS
  // earlier than from the true last request; never later. expires_at is also honoured, so a
  // session the worker would purge is never accepted.
  const isLive = (s: DatabaseSession, at: number): boolean =>
    at - s.attributes.lastSeenAt.getTime() <= idleTimeoutMs &&
    at <= s.expiresAt.getTime() &&
    at < s.attributes.absoluteExpiresAt.getTime();

  return {
    cookieName,

    async createSession(userId, meta) {
      const token = generateSessionToken();
      const at = now();
      const session: DatabaseSession = {
        id: token,
        userId,
        expiresAt: new Date(at.getTime() + idleTimeoutMs),
        attributes: {
          createdAt: at,
          lastSeenAt: at,
          absoluteExpiresAt: new Date(at.getTime() + absoluteLifetimeMs),
          authenticatedAt: at,
          ip: meta.ip,
          userAgent: meta.userAgent,
        },
      };
      await adapter.setSession(session);
      return {
        token,
        session: toSessionInfo(sessionTokenHash(token), session),
        cookie: lucia.createSessionCookie(token).serialize(),
      };
    },

    async validateSessionToken(token) {
      if (!isWellFormedToken(token)) return null;
      const row = await validateSession(opts.db, sessionTokenHash(token), this.sessionRules());
      return row ? validatedFromRow(row) : null;
    },

    sessionRules() {
      return { now: now(), idleTimeoutMs, slideIntervalMs: SLIDE_INTERVAL_MS };
    },

    async invalidateSession(sessionId) {
      assertSessionId('sessionId', sessionId);
      await adapter.deleteSessionById(sessionId);
    },

    async invalidateUserSessions(userId, o) {
      if (o?.exceptSessionId !== undefined) assertSessionId('exceptSessionId', o.exceptSessionId);
      await adapter.deleteUserSessions(userId, o?.exceptSessionId);
    },

    async markAuthenticated(sessionId) {
      assertSessionId('sessionId', sessionId);
      const at = now();
      await adapter.markAuthenticated(sessionId, at);
      return at;
    },

    now,

    async listUserSessions(userId) {
      const at = now().getTime();
      return (await adapter.getUserSessions(userId))
        .filter((s) => isLive(s, at))
        .map((s) => toSessionInfo(s.id, s))
        .sort((a, b) => b.lastSeenAt.getTime() - a.lastSeenAt.getTime());
    },

    readSessionToken(cookieHeader) {
      return readCookieToken(cookieHeader, cookieName);
    },

    blankSessionCookie() {
      return lucia.createBlankSessionCookie().serialize();
    },
  };
}
