import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FsStorage, generateKeyring, keyringSpec, runBackup } from '@mfiq/backup';
import { withNewTenant, withTenant } from '@mfiq/db';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertUser } from '../../testing/fixtures.ts';

const BIN = fileURLToPath(new URL('../../../bin/mfiq.mjs', import.meta.url));

let tdb: TestDatabase;
let dir: string;
let backupId: string;
let tenantId: string;
const keyring = generateKeyring('k1');

beforeAll(async () => {
  tdb = await createTestDatabase();
  dir = await mkdtemp(path.join(os.tmpdir(), 'mfiq-cli-'));
  const userId = await insertUser(tdb.owner);
  tenantId = randomUUID();
  await withNewTenant(tdb.owner, { tenantId }, async (trx) => {
    await trx
      .insertInto('organizations')
      .values({ tenantId, slug: `cli-${tenantId.slice(0, 6)}`, name: 'CLI Org' })
      .execute();
    await trx.insertInto('memberships').values({ tenantId, userId, role: 'owner' }).execute();
  });
  backupId = randomUUID();
  await runBackup({ db: tdb.worker, storage: new FsStorage(dir), keyring, tenantId, backupId });
});
afterAll(async () => {
  await tdb.drop();
  await rm(dir, { recursive: true, force: true });
});

function mfiq(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: {
      PATH: process.env.PATH,
      BACKUP_DIR: dir,
      BACKUP_KEYS: keyringSpec(keyring),
      DATABASE_URL: tdb.urls.owner,
      ...env,
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

const orgCount = async () =>
  (
    await tdb.admin
      .selectFrom('organizations')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow()
  ).n;

describe('mfiq backup', () => {
  it('lists and verifies a backup', async () => {
    const list = await mfiq(['backup', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(backupId);
    const verify = await mfiq(['backup', 'verify', '--id', backupId]);
    expect(verify).toMatchObject({ code: 0 });
    expect(verify.stdout).toMatch(/^OK: backup .* is intact: organizations 1, .*memberships 1/m);
  });

  it('restore --verify writes nothing; restore --into new creates the copy', async () => {
    const before = await orgCount();
    const check = await mfiq([
      'backup',
      'restore',
      '--id',
      backupId,
      '--into',
      'new',
      '--slug',
      'cli-copy',
      '--verify',
    ]);
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(/Nothing was written/);
    expect(await orgCount()).toBe(before);
    const done = await mfiq(['backup', 'restore', '--id', backupId, '--into', 'new', '--slug', 'cli-copy']);
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(/Restored backup .* into new organization cli-copy/);
    const copy = await tdb.admin
      .selectFrom('organizations')
      .select(['name'])
      .where('slug', '=', 'cli-copy')
      .executeTakeFirstOrThrow();
    expect(copy.name).toBe('CLI Org');
  });

  it('restore --into same keeps the lock and says so, line by line', async () => {
    await withTenant(tdb.owner, { tenantId }, (trx) =>
      trx.updateTable('organizations').set({ lockedAt: new Date(), lockedReason: 'cli incident' }).execute(),
    );
    const done = await mfiq(['backup', 'restore', '--id', backupId, '--into', 'same']);
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(/^Kept as they are now/m);
    expect(done.stdout).toMatch(/^ {2}locked_reason stays "cli incident" \(the backup had null\)$/m);
    const org = await tdb.admin
      .selectFrom('organizations')
      .select(['lockedAt', 'lockedReason'])
      .where('tenantId', '=', tenantId)
      .executeTakeFirstOrThrow();
    expect(org).toMatchObject({ lockedAt: expect.any(Date), lockedReason: 'cli incident' });
  });

  it('refuses with a clear message and exit code 1 when the key is wrong, and restores nothing', async () => {
    const before = await orgCount();
    const wrong = await mfiq(['backup', 'restore', '--id', backupId, '--into', 'new', '--slug', 'cli-wrong'], {
      BACKUP_KEYS: keyringSpec(generateKeyring('k1')),
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/Refused: Master key "k1" does not open the backup key of organization/);
    expect(await orgCount()).toBe(before);
  });

  it('explains its usage', async () => {
    const bad = await mfiq(['backup', 'restore', '--id', backupId, '--into', 'elsewhere']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--into must be "same" or "new"/);
  });
});
