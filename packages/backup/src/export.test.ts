import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { runBackup } from './backup.ts';
import { readTenantTables } from './catalog.ts';
import { exportZip } from './export.ts';
import { generateKeyring } from './keyring.ts';
import { objectKeys, type FsStorage } from './storage.ts';
import { dumpTenant, seedOrganization, tempStorage, type SeededOrg } from './testing/fixtures.ts';

let tdb: TestDatabase;
let storage: FsStorage;
let cleanup: () => Promise<void>;
let org: SeededOrg;
let ref: { tenantId: string; backupId: string };
const keyring = generateKeyring('k1');

beforeAll(async () => {
  tdb = await createTestDatabase();
  ({ storage, cleanup } = await tempStorage());
  org = await seedOrganization(tdb.owner, 'export', { audits: 3000 });
  ref = { tenantId: org.tenantId, backupId: randomUUID() };
  await runBackup({ db: tdb.worker, storage, keyring, ...ref });
});
afterAll(async () => {
  await tdb.drop();
  await cleanup();
});

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function unzip(buf: Buffer): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buf, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const out: Record<string, string> = {};
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e, s) => {
          if (e || !s) return reject(e);
          collect(s).then((b) => {
            out[entry.fileName] = b.toString('utf8');
            zip.readEntry();
          }, reject);
        });
      });
      zip.on('end', () => resolve(out));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

describe('exportZip', () => {
  it("streams the organization's data as a zip of one NDJSON file per table, equal to its rows", async () => {
    const files = await unzip(await collect(await exportZip(storage, { keyring, db: tdb.app }, ref)));
    const tables = await readTenantTables(tdb.owner);
    expect(Object.keys(files).sort()).toEqual(['manifest.json', ...tables.map((t) => `${t.name}.ndjson`)].sort());
    const dump = await dumpTenant(tdb, org.tenantId, tables);
    for (const t of tables) {
      const rows = files[`${t.name}.ndjson`]!.split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(rows.length, t.name).toBe(dump[t.name]!.length);
      // Same rows, same order; compared as the JSON the database renders (timestamps as text).
      const key = (r: Record<string, unknown>) => JSON.stringify(t.primaryKey.map((c) => r[c]));
      expect(rows.map(key)).toEqual(dump[t.name]!.map(key));
    }
    expect(JSON.parse(files['manifest.json']!)).toMatchObject({ organization: org.slug, backupId: ref.backupId });
  });

  it('a damaged backup ends the stream with an error, never with altered data', async () => {
    const file = path.join(storage.root, objectKeys(ref.tenantId, ref.backupId).data);
    const original = await readFile(file);
    const damaged = Buffer.from(original);
    damaged[damaged.length - 100]! ^= 0xff;
    await writeFile(file, damaged);
    try {
      await expect(collect(await exportZip(storage, { keyring, db: tdb.app }, ref))).rejects.toThrow(
        /failed authentication/,
      );
    } finally {
      await writeFile(file, original);
    }
  });
});
