import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainAll } from '../audit/drain.ts';
import { ConfigError } from '../config.ts';
import { UnsafeRoleError } from '../runner.ts';
import { insertOrg, insertOutbox, logOf, verify } from '../testing/audit-fixtures.ts';
import { memoryLogger } from '../testing/fixtures.ts';
import { loadRetentionConfig } from './config.ts';
import { startRetention } from './service.ts';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(() => tdb.drop());

const KEY = randomBytes(32);
const HOUR = 3_600_000;

describe('the audit retention process (finding 10)', () => {
  it('runs as mfiq_retention only: the worker, the owner or the app role are refused at start-up', async () => {
    const { logger } = memoryLogger();
    for (const url of [tdb.urls.worker, tdb.urls.app, tdb.urls.owner]) {
      const started = startRetention({ databaseUrl: url, checkpointKey: KEY, intervalMs: HOUR, logger });
      await expect(started).rejects.toBeInstanceOf(UnsafeRoleError);
      await expect(started).rejects.toThrow(/RETENTION_DATABASE_URL/);
    }
  });

  it('purges the expired prefix at start, leaving a signed checkpoint the chain verifies from', async () => {
    const org = await insertOrg(tdb.owner, 'proc');
    await insertOutbox(tdb.owner, org.tenantId, 3, { ageDays: 500 });
    await insertOutbox(tdb.owner, org.tenantId, 2, { from: 3 });
    await drainAll(tdb.worker);
    const { logger, lines } = memoryLogger();
    const handle = await startRetention({
      databaseUrl: tdb.urls.retention,
      checkpointKey: KEY,
      intervalMs: HOUR,
      logger,
    });
    try {
      expect(await handle.firstRun).toMatchObject({ purged: 3, failed: 0 });
    } finally {
      await handle.stop();
    }
    expect((await logOf(tdb.admin, org.tenantId)).map((r) => r.sequence)).toEqual([4, 5]);
    expect(await verify(tdb.worker, org.tenantId, KEY)).toMatchObject({ status: 'verified', checkpoint: 'valid' });
    expect(lines()).toContainEqual(expect.objectContaining({ task: 'audit_retention', purged: 3 }));
  });

  it('needs both its role and the checkpoint key, and nothing else', () => {
    const url = 'postgres://mfiq_retention:secret@127.0.0.1:5432/mfiq';
    expect(() => loadRetentionConfig({})).toThrow(ConfigError);
    try {
      loadRetentionConfig({ RETENTION_DATABASE_URL: url, AUDIT_CHECKPOINT_KEY: 'short' });
    } catch (error) {
      expect((error as ConfigError).variables).toEqual(['AUDIT_CHECKPOINT_KEY']);
    }
    expect(loadRetentionConfig({ RETENTION_DATABASE_URL: url, AUDIT_CHECKPOINT_KEY: 'k'.repeat(40) })).toMatchObject({
      databaseUrl: url,
      intervalMs: 24 * HOUR,
    });
  });

  it('the entry point stops with the message and exit code 2 before connecting anywhere', async () => {
    const main = fileURLToPath(new URL('../retention-main.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', main], {
      env: { PATH: process.env.PATH },
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toContain('RETENTION_DATABASE_URL: is required');
    expect(stderr).toContain('AUDIT_CHECKPOINT_KEY: is required');
  });
});
