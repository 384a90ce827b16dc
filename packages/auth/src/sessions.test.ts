import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import {
  sql,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
} from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuth, sessionTokenHash, type Auth, type AuthOptions } from './index.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const meta = { ip: '203.0.113.7', userAgent: 'vitest' };

/** Counts statements sent through a Kysely instance: one statement is one round trip here. */
class QueryCounter implements KyselyPlugin {
  count = 0;
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.count++;
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

let tdb: TestDatabase;
let userSeq = 0;

beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(async () => {
  await tdb?.drop();
});

async function createUser(): Promise<string> {
  userSeq++;
  const row = await tdb.app
    .insertInto('users')
    .values({ email: `user${userSeq}@example.com`, displayName: `User ${userSeq}`, passwordHash: 'unused' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** An Auth on the app role with a clock the test moves by hand. */
function setup(extra: Partial<AuthOptions> = {}) {
  const clock = { ms: Date.parse('2031-03-01T09:00:00Z') };
  const counter = new QueryCounter();
  const auth: Auth = createAuth({
    db: tdb.app.withPlugin(counter),
    secure: true,
    now: () => new Date(clock.ms),
    ...extra,
  });
  return { auth, clock, counter, advance: (ms: number) => void (clock.ms += ms) };
}

async function storedRow(id: string) {
  return tdb.owner.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
}

describe('session storage', () => {
  it('stores only the SHA-256 of the token, never the token', async () => {
    const { auth } = setup();
    const userId = await createUser();
    const { token, session } = await auth.createSession(userId, meta);
    expect(session.id).toBe(sessionTokenHash(token));
    expect(session.id).toMatch(/^[0-9a-f]{64}$/);
    expect(session.id).not.toBe(token);

    const rows = await tdb.owner.selectFrom('sessions').selectAll().where('userId', '=', userId).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.id).toBe(sessionTokenHash(token));
    expect(JSON.stringify(rows)).not.toContain(token);
    const anyColumn = await sql<{
      n: number;
    }>`select count(*)::int as n from sessions s where s::text like ${`%${token}%`}`.execute(tdb.owner);
    expect(anyColumn.rows[0]?.n).toBe(0);

    // And the token is what validates, not the stored id.
    expect(await auth.validateSessionToken(token)).not.toBeNull();
  });

  it('records who, when and from where', async () => {
    const { auth, clock } = setup();
    const userId = await createUser();
    const { session } = await auth.createSession(userId, meta);
    expect(await storedRow(session.id)).toEqual({
      id: session.id,
      userId,
      createdAt: new Date(clock.ms),
      lastSeenAt: new Date(clock.ms),
      expiresAt: new Date(clock.ms + 2 * HOUR),
      absoluteExpiresAt: new Date(clock.ms + 7 * DAY),
      authenticatedAt: new Date(clock.ms),
      ip: meta.ip,
      userAgent: meta.userAgent,
    });
    expect(session).toEqual(await storedRow(session.id));
  });

  it('creates a new session per sign-in, with 200-bit tokens', async () => {
    const { auth } = setup();
    const userId = await createUser();
    const a = await auth.createSession(userId, meta);
    const b = await auth.createSession(userId, { ip: null, userAgent: null });
    expect(a.token).not.toBe(b.token);
    expect(a.session.id).not.toBe(b.session.id);
    // 40 base32 characters = 200 bits of randomness.
    expect(a.token).toMatch(/^[a-z2-7]{40}$/);
    const rows = await tdb.owner.selectFrom('sessions').select('id').where('userId', '=', userId).execute();
    expect(rows.map((r) => r.id).sort()).toEqual([a.session.id, b.session.id].sort());
  });
});

describe('validateSessionToken', () => {
  it('returns the session and its user in one round trip, without writing within a minute', async () => {
    const { auth, counter, advance } = setup();
    const userId = await createUser();
    const { token, session } = await auth.createSession(userId, meta);
    advance(59_000);
    counter.count = 0;
    const result = await auth.validateSessionToken(token);
    expect(counter.count).toBe(1);
    expect(result).toEqual({
      session,
      user: { id: userId, email: `user${userSeq}@example.com`, displayName: `User ${userSeq}` },
      idleMs: 59_000,
    });
    expect((await storedRow(session.id))?.lastSeenAt).toEqual(session.lastSeenAt);
  });

  it('records activity once a minute has passed, in the same round trip', async () => {
    const { auth, clock, counter, advance } = setup();
    const { token, session } = await auth.createSession(await createUser(), meta);
    advance(MINUTE);
    counter.count = 0;
    const result = await auth.validateSessionToken(token);
    expect(counter.count).toBe(1);
    expect(result?.session.lastSeenAt).toEqual(new Date(clock.ms));
    expect(result?.session.expiresAt).toEqual(new Date(clock.ms + 2 * HOUR));
    const row = await storedRow(session.id);
    expect(row?.lastSeenAt).toEqual(new Date(clock.ms));
    expect(row?.expiresAt).toEqual(new Date(clock.ms + 2 * HOUR));
    expect(row?.absoluteExpiresAt).toEqual(session.absoluteExpiresAt);
  });

  it('refuses unknown and malformed tokens; malformed ones cost no query', async () => {
    const { auth, counter } = setup();
    counter.count = 0;
    expect(await auth.validateSessionToken('')).toBeNull();
    expect(await auth.validateSessionToken('not a token')).toBeNull();
    expect(await auth.validateSessionToken('A'.repeat(40))).toBeNull();
    expect(counter.count).toBe(0);
    expect(await auth.validateSessionToken('a'.repeat(40))).toBeNull();
    expect(counter.count).toBe(1);
  });

  it('refuses the stored hash presented as a token', async () => {
    const { auth } = setup();
    const { session } = await auth.createSession(await createUser(), meta);
    expect(await auth.validateSessionToken(session.id)).toBeNull();
  });

  it('accepts a session idle for exactly the timeout, refuses and deletes one idle 1 ms longer', async () => {
    const { auth, advance } = setup();
    const userId = await createUser();
    const kept = await auth.createSession(userId, meta);
    const dropped = await auth.createSession(userId, meta);
    advance(2 * HOUR);
    expect(await auth.validateSessionToken(kept.token)).not.toBeNull();
    advance(1);
    expect(await auth.validateSessionToken(dropped.token)).toBeNull();
    expect(await storedRow(dropped.session.id)).toBeUndefined();
    expect(await storedRow(kept.session.id)).toBeDefined();
  });

  it('honours a custom idle timeout', async () => {
    const { auth, advance } = setup({ idleTimeoutMs: 15 * MINUTE });
    const { token, session } = await auth.createSession(await createUser(), meta);
    expect(session.expiresAt.getTime() - session.createdAt.getTime()).toBe(15 * MINUTE);
    advance(15 * MINUTE + 1);
    expect(await auth.validateSessionToken(token)).toBeNull();
    expect(await storedRow(session.id)).toBeUndefined();
  });

  it('keeps an active session alive past the idle timeout, but never past the absolute lifetime', async () => {
    const { auth, clock, advance } = setup();
    const { token, session } = await auth.createSession(await createUser(), meta);
    const absoluteEnd = session.createdAt.getTime() + 7 * DAY;
    expect(session.absoluteExpiresAt.getTime()).toBe(absoluteEnd);
    // Active every 110 minutes: each request is within the idle timeout of the previous one.
    let checks = 0;
    while (clock.ms + 110 * MINUTE < absoluteEnd) {
      advance(110 * MINUTE);
      expect(await auth.validateSessionToken(token)).not.toBeNull();
      checks++;
    }
    expect(checks).toBeGreaterThan(80);
    expect(clock.ms - session.createdAt.getTime()).toBeGreaterThan(2 * HOUR);
    clock.ms = absoluteEnd - 1;
    expect(await auth.validateSessionToken(token)).not.toBeNull();
    clock.ms = absoluteEnd;
    expect(await auth.validateSessionToken(token)).toBeNull();
    expect(await storedRow(session.id)).toBeUndefined();
  });

  it('refuses and deletes an absolute-expired session even when its idle expiry is still ahead', async () => {
    const { auth, advance } = setup({ idleTimeoutMs: 2 * HOUR, absoluteLifetimeMs: HOUR });
    const { token, session } = await auth.createSession(await createUser(), meta);
    expect(session.expiresAt.getTime()).toBeGreaterThan(session.absoluteExpiresAt.getTime());
    advance(HOUR);
    expect(await auth.validateSessionToken(token)).toBeNull();
    expect(await storedRow(session.id)).toBeUndefined();
  });

  it('refuses and deletes the session of a disabled user', async () => {
    const { auth } = setup();
    const userId = await createUser();
    const other = await auth.createSession(await createUser(), meta);
    const { token, session } = await auth.createSession(userId, meta);
    expect(await auth.validateSessionToken(token)).not.toBeNull();
    // The app role cannot set disabled_at; the owner stands in for whatever disables accounts.
    await tdb.owner.updateTable('users').set({ disabledAt: new Date() }).where('id', '=', userId).execute();
    expect(await auth.validateSessionToken(token)).toBeNull();
    expect(await storedRow(session.id)).toBeUndefined();
    expect(await auth.validateSessionToken(other.token)).not.toBeNull();
  });
});

describe('invalidation and listing', () => {
  it('invalidateSession removes that session only', async () => {
    const { auth } = setup();
    const userId = await createUser();
    const a = await auth.createSession(userId, meta);
    const b = await auth.createSession(userId, meta);
    await auth.invalidateSession(a.session.id);
    expect(await auth.validateSessionToken(a.token)).toBeNull();
    expect(await storedRow(a.session.id)).toBeUndefined();
    expect(await auth.validateSessionToken(b.token)).not.toBeNull();
  });

  it('invalidateSession refuses a token where a session id belongs', async () => {
    const { auth } = setup();
    const { token } = await auth.createSession(await createUser(), meta);
    await expect(auth.invalidateSession(token)).rejects.toThrow(/session id/);
    expect(await auth.validateSessionToken(token)).not.toBeNull();
  });

  it("invalidateUserSessions removes all of a user's sessions but the one excepted, and no one else's", async () => {
    const { auth } = setup();
    const userId = await createUser();
    const bystander = await auth.createSession(await createUser(), meta);
    const current = await auth.createSession(userId, meta);
    const others = [await auth.createSession(userId, meta), await auth.createSession(userId, meta)];

    await auth.invalidateUserSessions(userId, { exceptSessionId: current.session.id });
    expect(await auth.validateSessionToken(current.token)).not.toBeNull();
    for (const o of others) expect(await auth.validateSessionToken(o.token)).toBeNull();
    expect((await auth.listUserSessions(userId)).map((s) => s.id)).toEqual([current.session.id]);

    await auth.invalidateUserSessions(userId);
    expect(await auth.validateSessionToken(current.token)).toBeNull();
    expect(await tdb.owner.selectFrom('sessions').select('id').where('userId', '=', userId).execute()).toEqual([]);
    expect(await auth.validateSessionToken(bystander.token)).not.toBeNull();
  });

  it('listUserSessions returns live sessions, most recently active first, by id (hash)', async () => {
    const { auth, advance } = setup();
    const userId = await createUser();
    const stale = await auth.createSession(userId, meta);
    advance(HOUR);
    const older = await auth.createSession(userId, { ip: '198.51.100.1', userAgent: 'phone' });
    advance(HOUR);
    const newer = await auth.createSession(userId, meta);
    advance(30 * MINUTE); // stale is now idle for 2.5 h
    const listed = await auth.listUserSessions(userId);
    expect(listed.map((s) => s.id)).toEqual([newer.session.id, older.session.id]);
    expect(listed[1]).toEqual(older.session);
    expect(listed.map((s) => s.id)).not.toContain(stale.session.id);
  });
});
