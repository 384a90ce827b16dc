import { sql } from '@mfiq/db';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { quickAddJob, type Job } from 'graphile-worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker, UnsafeRoleError } from './runner.ts';
import { insertSession, insertUser, memoryLogger, sessionIds, waitFor } from './testing/fixtures.ts';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(() => tdb.drop());

describe('startWorker', () => {
  it('runs the purge job added to the queue, as the worker role, then stops', async () => {
    const userId = await insertUser(tdb.owner);
    const live = await insertSession(tdb.owner, userId, { idle: '1 hour', absolute: '7 days' });
    await insertSession(tdb.owner, userId, { idle: '-1 minute', absolute: '7 days' });
    await insertSession(tdb.owner, userId, { idle: '1 hour', absolute: '-1 minute' });

    const { logger, lines } = memoryLogger();
    const worker = await startWorker({ connectionString: tdb.urls.worker, concurrency: 1, logger, pollInterval: 200 });
    try {
      const done = new Promise<Job>((resolve, reject) => {
        // Other jobs run too (the audit drain wakes at start-up): wait for this one.
        worker.runner.events.on('job:success', ({ job }) => {
          if (job.task_identifier === 'purge_sessions') resolve(job);
        });
        worker.runner.events.on('job:error', ({ error }) => reject(error));
      });
      // Enqueued through a separate connection, as an operator command or another replica would.
      const job = await quickAddJob({ connectionString: tdb.urls.worker }, 'purge_sessions', {});
      const finished = await done;
      expect(finished.id).toBe(job.id);
      expect(await sessionIds(tdb.owner)).toEqual([live]);
      expect(lines()).toContainEqual(expect.objectContaining({ task: 'purge_sessions', deleted: 2 }));
      expect(lines()).toContainEqual(expect.objectContaining({ msg: 'worker started', role: 'mfiq_worker' }));

      // The crontab is registered with graphile-worker under the task's identifier.
      await waitFor(
        async () => {
          const { rows } = await sql<{ identifier: string }>`
          select identifier from graphile_worker._private_known_crontabs`.execute(tdb.owner);
          return rows.some((r) => r.identifier === 'purge_sessions');
        },
        10_000,
        'the crontab to be registered',
      );
    } finally {
      await worker.stop();
    }
    await worker.stop(); // idempotent
    expect(lines()).toContainEqual(expect.objectContaining({ msg: 'worker stopped' }));
    // graphile-worker's own messages go through pino, not the console.
    expect(lines().some((l) => l.component === 'graphile-worker')).toBe(true);
  });

  it('refuses to start as the owner role', async () => {
    const { logger } = memoryLogger();
    const start = startWorker({ connectionString: tdb.urls.owner, concurrency: 1, logger, crontab: '' });
    await expect(start).rejects.toBeInstanceOf(UnsafeRoleError);
    await expect(start).rejects.toThrow(/mfiq_owner.*owns the schema.*WORKER_DATABASE_URL/);
  });

  it('fails at start-up, naming the tables, when the queue tables have no policy for the worker role', async () => {
    const other = await createTestDatabase();
    try {
      await sql`
        do $$ declare p record; begin
          for p in select policyname, tablename from pg_policies where schemaname = 'graphile_worker' loop
            execute format('drop policy %I on graphile_worker.%I', p.policyname, p.tablename);
          end loop;
        end $$`.execute(other.owner);
      const { logger } = memoryLogger();
      await expect(
        startWorker({ connectionString: other.urls.worker, concurrency: 1, logger, crontab: '' }),
      ).rejects.toThrow(
        /no row-level security policy on graphile_worker\._private_job_queues, .*graphile_worker\._private_tasks/,
      );
    } finally {
      await other.drop();
    }
  });

  it('refuses to start as a superuser', async () => {
    const { logger } = memoryLogger();
    await expect(
      startWorker({ connectionString: tdb.urls.admin, concurrency: 1, logger, crontab: '' }),
    ).rejects.toThrow(/is a superuser/);
  });
});
