import { randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { sql, type Database } from '@mfiq/db';
import { createLogger, type Logger } from '../logger.ts';

/** Inserts a user (sessions reference users); written with the owner instance, never the role under test. */
export async function insertUser(owner: Database): Promise<string> {
  const id = randomUUID();
  await owner
    .insertInto('users')
    .values({
      id,
      email: `u-${id.slice(0, 8)}@example.test`,
      displayName: 'Fixture User',
      passwordHash: 'not-a-real-hash',
    })
    .execute();
  return id;
}

/**
 * Inserts a session whose expiries are offsets from the database clock, e.g. idle '-1 minute'.
 * Returns its id (the hex of a random "token hash", as the real ones are).
 */
export async function insertSession(
  owner: Database,
  userId: string,
  expiry: { idle: string; absolute: string },
): Promise<string> {
  const id = randomBytes(32).toString('hex');
  await owner
    .insertInto('sessions')
    .values({
      id,
      userId,
      expiresAt: sql<Date>`now() + ${expiry.idle}::interval`,
      absoluteExpiresAt: sql<Date>`now() + ${expiry.absolute}::interval`,
    })
    .execute();
  return id;
}

export async function sessionIds(owner: Database): Promise<string[]> {
  const rows = await owner.selectFrom('sessions').select('id').orderBy('id').execute();
  return rows.map((r) => r.id);
}

/** A pino logger writing into memory, to assert on structured log lines. */
export function memoryLogger(level = 'debug'): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = createLogger(level, stream);
  return {
    logger,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
