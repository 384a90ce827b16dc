import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import type { JobHelpers } from 'graphile-worker';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { insertSession, insertUser, memoryLogger, sessionIds } from '../testing/fixtures.ts';
import { purgeExpiredSessions, purgeSessionsTask } from './purge-sessions.ts';

let tdb: TestDatabase;
let userId: string;
beforeAll(async () => {
  tdb = await createTestDatabase();
  userId = await insertUser(tdb.owner);
});
afterAll(() => tdb.drop());
beforeEach(async () => {
  await tdb.owner.deleteFrom('sessions').execute();
});

async function mixedSessions() {
  return {
    live: await insertSession(tdb.owner, userId, { idle: '1 hour', absolute: '7 days' }),
    liveNearEnd: await insertSession(tdb.owner, userId, { idle: '1 hour', absolute: '1 minute' }),
    idleExpired: await insertSession(tdb.owner, userId, { idle: '-1 second', absolute: '7 days' }),
    absoluteExpired: await insertSession(tdb.owner, userId, { idle: '1 hour', absolute: '-1 second' }),
    bothExpired: await insertSession(tdb.owner, userId, { idle: '-2 hours', absolute: '-1 hour' }),
  };
}

describe('purgeExpiredSessions, run as the worker role', () => {
  it('deletes exactly the sessions past their idle or absolute expiry', async () => {
    const s = await mixedSessions();
    expect(await purgeExpiredSessions(tdb.worker)).toBe(3);
    expect(await sessionIds(tdb.owner)).toEqual([s.live, s.liveNearEnd].sort());
  });

  it('is idempotent: a second run finds nothing', async () => {
    await mixedSessions();
    await purgeExpiredSessions(tdb.worker);
    expect(await purgeExpiredSessions(tdb.worker)).toBe(0);
    expect(await sessionIds(tdb.owner)).toHaveLength(2);
  });

  it('works through a backlog larger than one batch', async () => {
    const live = await insertSession(tdb.owner, userId, { idle: '1 hour', absolute: '7 days' });
    for (let i = 0; i < 7; i++) await insertSession(tdb.owner, userId, { idle: '-1 minute', absolute: '1 day' });
    expect(await purgeExpiredSessions(tdb.worker, { batchSize: 3 })).toBe(7);
    expect(await sessionIds(tdb.owner)).toEqual([live]);
  });

  it('the task logs how many sessions it purged', async () => {
    await mixedSessions();
    const { logger, lines } = memoryLogger();
    const helpers = { job: { id: '42' } } as unknown as JobHelpers;
    await purgeSessionsTask({ db: tdb.worker, logger })({}, helpers);
    expect(lines()).toContainEqual(
      expect.objectContaining({
        level: 30,
        task: 'purge_sessions',
        jobId: '42',
        deleted: 3,
        msg: 'purged 3 expired session(s)',
      }),
    );
  });
});
