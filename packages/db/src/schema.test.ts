import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTypes } from './codegen.ts';
import { pendingMigrations } from './migrate.ts';
import { createTestDatabase, type TestDatabase } from './testing/index.ts';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(() => tdb.drop());

describe('schema', () => {
  it('the committed table types equal the types generated from the migrated catalog', async () => {
    const client = new pg.Client({ connectionString: tdb.urls.owner });
    await client.connect();
    const fresh = await generateTypes(client);
    await client.end();
    const file = fileURLToPath(new URL('./generated/db.ts', import.meta.url));
    if (process.env.MFIQ_WRITE_TYPES === '1') await writeFile(file, fresh);
    expect(await readFile(file, 'utf8')).toBe(fresh);
  });

  it('every migration on disk is applied to the template', async () => {
    const client = new pg.Client({ connectionString: tdb.urls.owner });
    await client.connect();
    expect(await pendingMigrations((q) => client.query(q))).toEqual([]);
    await client.end();
  });
});
