import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FsStorage, generateKeyring, verifyBackup, type BackupStorage } from '@mfiq/backup';
import { sql, withTenant, withNewTenant } from '@mfiq/db';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import type { JobHelpers } from 'graphile-worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertUser, memoryLogger } from '../testing/fixtures.ts';
import { backupAllTask, performBackup } from './backup.ts';

let tdb: TestDatabase;
let dir: string;
let storage: FsStorage;
const keyring = generateKeyring('k1');
const retention = { daily: 7, weekly: 4 };
const orgs: string[] = [];

beforeAll(async () => {
  tdb = await createTestDatabase();
  dir = await mkdtemp(path.join(os.tmpdir(), 'mfiq-worker-backups-'));
  storage = new FsStorage(dir);
  for (const name of ['one', 'two']) {
    const userId = await insertUser(tdb.owner);
    const tenantId = randomUUID();
    await withNewTenant(tdb.owner, { tenantId }, async (trx) => {
      await trx
        .insertInto('organizations')
        .values({ tenantId, slug: `${name}-${tenantId.slice(0, 6)}`, name })
        .execute();
      await trx.insertInto('memberships').values({ tenantId, userId, role: 'owner' }).execute();
    });
    orgs.push(tenantId);
  }
});
afterAll(async () => {
  await tdb.drop();
  await rm(dir, { recursive: true, force: true });
});

describe('scheduled backups, as the worker role', () => {
  it('backup_all queues one backup per organization, and each runs to a verified backup', async () => {
    const { logger } = memoryLogger();
    const jobs: { task: string; payload: { tenantId: string; backupId: string } }[] = [];
    const helpers = {
      job: { id: '1' },
      addJob: async (task: string, payload: { tenantId: string; backupId: string }) =>
        void jobs.push({ task, payload }),
    } as unknown as JobHelpers;
    await backupAllTask({ db: tdb.worker, logger, backups: { storage, keyring, retention } })({}, helpers);
    expect(jobs.map((j) => j.payload.tenantId).sort()).toEqual([...orgs].sort());
    expect(new Set(jobs.map((j) => j.task))).toEqual(new Set(['backup_tenant']));
    for (const { payload } of jobs) {
      expect(
        await performBackup(
          { db: tdb.worker, logger, backups: { storage, keyring, retention } },
          payload.tenantId,
          payload.backupId,
        ),
      ).toBe('succeeded');
      const row = await tdb.admin
        .selectFrom('backups')
        .selectAll()
        .where('id', '=', payload.backupId)
        .executeTakeFirstOrThrow();
      expect(row).toMatchObject({
        tenantId: payload.tenantId,
        kind: 'scheduled',
        status: 'succeeded',
        keyId: 'k1',
        rowsDone: row.rowsTotal,
        error: null,
      });
      expect(row.bytes).toBeGreaterThan(0);
      expect(row.schemaVersion).toBeGreaterThanOrEqual(6);
      const manifest = await verifyBackup(storage, { keyring, db: tdb.worker }, payload);
      expect(manifest.tables.find((t) => t.name === 'memberships')?.rows).toBe(1);
    }
    // Run again: already done, nothing happens.
    expect(
      await performBackup(
        { db: tdb.worker, logger, backups: { storage, keyring, retention } },
        jobs[0]!.payload.tenantId,
        jobs[0]!.payload.backupId,
      ),
    ).toBe('skipped');
  });

  it('a failing backup is recorded as failed with its reason, and leaves no object behind', async () => {
    const tenantId = orgs[0]!;
    const backupId = randomUUID();
    await withTenant(tdb.worker, { tenantId }, (trx) =>
      trx.insertInto('backups').values({ tenantId, id: backupId, kind: 'manual' }).execute(),
    );
    const broken: BackupStorage = {
      ...storage,
      list: storage.list.bind(storage),
      get: storage.get.bind(storage),
      delete: storage.delete.bind(storage),
      put: async () => Promise.reject(new Error('disk full')),
    };
    const { logger, lines } = memoryLogger();
    expect(
      await performBackup(
        { db: tdb.worker, logger, backups: { storage: broken, keyring, retention } },
        tenantId,
        backupId,
      ),
    ).toBe('failed');
    const row = await tdb.admin.selectFrom('backups').selectAll().where('id', '=', backupId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'failed', error: 'disk full' });
    expect(lines()).toContainEqual(expect.objectContaining({ level: 50, msg: 'backup failed', backupId }));
    expect((await storage.list(`${tenantId}/${backupId}`)).length).toBe(0);
  });

  it('the worker lists organizations only through app_backup_tenants', async () => {
    const direct = await sql`select tenant_id from organizations`.execute(tdb.worker);
    expect(direct.rows).toEqual([]);
    const listed = await sql<{ tenantId: string }>`select tenant_id from app_backup_tenants()`.execute(tdb.worker);
    expect(listed.rows.map((r) => r.tenantId).sort()).toEqual([...orgs].sort());
    // The app role may not call it.
    await expect(sql`select * from app_backup_tenants()`.execute(tdb.app)).rejects.toThrow(/permission denied/);
  });
});
