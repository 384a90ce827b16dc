import { randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { sql, withTenant } from '@mfiq/db';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from './backup.ts';
import { generateKeyring } from './keyring.ts';
import { pruneBackups } from './prune.ts';
import { isoWeek, selectRetained } from './retention.ts';
import type { FsStorage } from './storage.ts';
import { seedOrganization, tempStorage } from './testing/fixtures.ts';

const at = (iso: string) => ({ id: iso, createdAt: new Date(iso) });

describe('selectRetained', () => {
  it('keeps the newest backup of each of the last N days and M weeks, nothing else', () => {
    // Two backups a day (02:30 and 14:00) for 30 days, ending Sunday 2025-03-30.
    const all = [];
    for (let d = 0; d < 30; d++) {
      const date = new Date(Date.UTC(2025, 2, 30 - d));
      const ymd = date.toISOString().slice(0, 10);
      all.push(at(`${ymd}T02:30:00.000Z`), at(`${ymd}T14:00:00.000Z`));
    }
    const { keep, drop } = selectRetained(all, { daily: 3, weekly: 3 });
    // Days: the 30th, 29th, 28th (their 14:00 backups). Weeks: W13 (already the 30th), W12 (Sunday
    // the 23rd) and W11 (Sunday the 16th).
    expect(keep.map((k) => k.id)).toEqual([
      '2025-03-30T14:00:00.000Z',
      '2025-03-29T14:00:00.000Z',
      '2025-03-28T14:00:00.000Z',
      '2025-03-23T14:00:00.000Z',
      '2025-03-16T14:00:00.000Z',
    ]);
    expect(keep.length + drop.length).toBe(60);
  });

  it('zero days and zero weeks keeps nothing; more buckets than backups keeps them all', () => {
    const some = [at('2025-01-01T00:00:00.000Z'), at('2025-01-09T00:00:00.000Z')];
    expect(selectRetained(some, { daily: 0, weekly: 0 }).keep).toEqual([]);
    expect(selectRetained(some, { daily: 10, weekly: 0 }).keep).toHaveLength(2);
  });

  it('uses ISO weeks across a year boundary', () => {
    expect(isoWeek(new Date('2024-12-30T12:00:00Z'))).toBe('2025-W01');
    expect(isoWeek(new Date('2021-01-03T12:00:00Z'))).toBe('2020-W53');
  });
});

describe('pruneBackups', () => {
  let tdb: TestDatabase;
  let storage: FsStorage;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    tdb = await createTestDatabase();
    ({ storage, cleanup } = await tempStorage());
  });
  afterAll(async () => {
    await tdb.drop();
    await cleanup();
  });

  it('keeps exactly the configured backups, rows and files, and touches no other organization', async () => {
    const keyring = generateKeyring('k1');
    const org = await seedOrganization(tdb.owner, 'retain');
    const other = await seedOrganization(tdb.owner, 'other');
    const ids: string[] = [];
    // Eight real backups dated one per day, 2025-03-23 (Sunday) back to 2025-03-16, plus a failed one.
    for (let d = 0; d < 8; d++) {
      const id = randomUUID();
      await runBackup({ db: tdb.worker, storage, keyring, tenantId: org.tenantId, backupId: id });
      const createdAt = new Date(Date.UTC(2025, 2, 23 - d, 3));
      await withTenant(tdb.worker, { tenantId: org.tenantId }, (trx) =>
        trx
          .insertInto('backups')
          .values({ tenantId: org.tenantId, id, kind: 'scheduled', status: 'succeeded', createdAt })
          .execute(),
      );
      ids.push(id);
    }
    await withTenant(tdb.worker, { tenantId: org.tenantId }, (trx) =>
      trx
        .insertInto('backups')
        .values({
          tenantId: org.tenantId,
          kind: 'scheduled',
          status: 'failed',
          createdAt: new Date(Date.UTC(2025, 2, 20)),
        })
        .execute(),
    );
    const otherId = randomUUID();
    await runBackup({ db: tdb.worker, storage, keyring, tenantId: other.tenantId, backupId: otherId });
    await withTenant(tdb.worker, { tenantId: other.tenantId }, (trx) =>
      trx
        .insertInto('backups')
        .values({
          tenantId: other.tenantId,
          id: otherId,
          kind: 'scheduled',
          status: 'succeeded',
          createdAt: new Date(Date.UTC(2020, 0, 1)),
        })
        .execute(),
    );

    await pruneBackups(tdb.worker, storage, org.tenantId, { daily: 2, weekly: 2 });

    // Days: the 23rd and 22nd. Weeks: W12 (the 23rd) and W11 (Sunday the 16th).
    const expected = [ids[0]!, ids[1]!, ids[7]!].sort();
    const rows = await sql<{
      id: string;
    }>`select id from backups where tenant_id = ${org.tenantId} order by id`.execute(tdb.admin);
    expect(rows.rows.map((r) => r.id)).toEqual(expected);
    const files = (await readdir(path.join(storage.root, org.tenantId))).sort();
    expect(files).toEqual(expected.flatMap((id) => [`${id}.data`, `${id}.manifest.json`]).sort());
    // The other organization's old backup is not this organization's to prune.
    expect((await readdir(path.join(storage.root, other.tenantId))).length).toBe(2);
    expect((await sql`select 1 from backups where id = ${otherId}`.execute(tdb.admin)).rows).toHaveLength(1);
  });
});
