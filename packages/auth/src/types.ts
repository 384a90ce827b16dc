/** A session as our callers see it. `id` is the SHA-256 hex of the token, never the token. */
export interface SessionInfo {
  id: string;
  userId: string;
  createdAt: Date;
  lastSeenAt: Date;
  /** Idle expiry: lastSeenAt + idle timeout. Slides on use. */
  expiresAt: Date;
  /** createdAt + absolute lifetime. Never moves. */
  absoluteExpiresAt: Date;
  /** When the holder last proved who they are: sign-in or re-authentication. */
  authenticatedAt: Date;
  ip: string | null;
  userAgent: string | null;
}

export interface SessionUser {
  id: string;
  email: string;
  displayName: string;
}

export interface SessionMeta {
  ip: string | null;
  userAgent: string | null;
}
