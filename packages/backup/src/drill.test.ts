import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sql } from '@mfiq/db';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from './backup.ts';
import { drillBackup } from './drill.ts';
import { BackupError } from './errors.ts';
import { generateKeyring } from './keyring.ts';
import { objectKeys, type FsStorage } from './storage.ts';
import { fingerprint, seedOrganization, tempStorage } from './testing/fixtures.ts';

let tdb: TestDatabase;
let storage: FsStorage;
let cleanup: () => Promise<void>;
const keyring = generateKeyring('k1');

beforeAll(async () => {
  tdb = await createTestDatabase();
  ({ storage, cleanup } = await tempStorage());
});
afterAll(async () => {
  await tdb.drop();
  await cleanup();
});

async function backedUp(db: TestDatabase, label: string) {
  const org = await seedOrganization(db.owner, label, { audits: 50 });
  const backupId = randomUUID();
  const { manifest } = await runBackup({ db: db.worker, storage, keyring, tenantId: org.tenantId, backupId });
  return { org, manifest, ref: { tenantId: org.tenantId, backupId } };
}

describe('restore drills', () => {
  it('restores every table into scratch tables, matches the source row by row, and leaves nothing behind', async () => {
    const { manifest, ref } = await backedUp(tdb, 'drilled');
    const before = await fingerprint(tdb);
    const result = await drillBackup({ db: tdb.worker, storage, keyring, ref });
    expect(result).toEqual({
      backupId: ref.backupId,
      takenAt: manifest.createdAt,
      tables: manifest.tables.length,
      rows: manifest.tables.reduce((n, t) => n + t.rows, 0),
      mismatches: [],
    });
    expect(result.rows).toBeGreaterThan(100);
    expect(await fingerprint(tdb)).toEqual(before);
    const { rows } = await sql<{
      n: number;
    }>`select count(*)::int as n from pg_class where relnamespace = 'restore_drill'::regnamespace`.execute(tdb.admin);
    expect(rows[0]!.n).toBe(0);
  });

  it('detects a corrupted backup', async () => {
    const { ref } = await backedUp(tdb, 'corrupt');
    const file = path.join(storage.root, objectKeys(ref.tenantId, ref.backupId).data);
    const bytes = await readFile(file);
    bytes[Math.floor(bytes.length / 2)]! ^= 0x40;
    await writeFile(file, bytes);
    const e = await drillBackup({ db: tdb.worker, storage, keyring, ref }).catch((error: unknown) => error);
    expect(e).toBeInstanceOf(BackupError);
    expect((e as BackupError).code).toBe('DATA_TAMPERED');
  });

  it('reports a table whose restored rows differ from the source', async () => {
    const other = await createTestDatabase();
    try {
      const { ref } = await backedUp(other, 'drifted');
      // The schema changed under the backup in a way that alters values on the way in.
      await sql`alter table metric_targets alter column value type numeric(12, 0)`.execute(other.owner);
      const result = await drillBackup({ db: other.worker, storage, keyring, ref });
      expect(result.mismatches).toEqual([
        { table: 'metric_targets', expectedRows: 2, restoredRows: 2, checksumMatches: false },
      ]);
    } finally {
      await other.drop();
    }
  });

  it("the scratch schema is the worker role's alone", async () => {
    const { rows } = await sql<{ app: boolean; worker: boolean }>`
      select has_schema_privilege('mfiq_app', 'restore_drill', 'usage') as app,
             has_schema_privilege('mfiq_worker', 'restore_drill', 'create') as worker`.execute(tdb.admin);
    expect(rows[0]).toEqual({ app: false, worker: true });
  });
});
