import { createCipheriv, createHmac, hkdfSync, randomBytes, randomUUID } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql, withTenant } from '@mfiq/db';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from './backup.ts';
import { BackupError } from './errors.ts';
import { generateKeyring, unwrapBackupKey, type Keyring } from './keyring.ts';
import { orgKeyForRestore } from './org-keys.ts';
import { verifyBackup } from './reader.ts';
import { restoreBackup } from './restore.ts';
import { FsStorage, objectKeys } from './storage.ts';
import { seedOrganization, tempStorage, type SeededOrg } from './testing/fixtures.ts';

let tdb: TestDatabase;
let storage: FsStorage;
let cleanup: () => Promise<void>;
let keyring: Keyring;
let a: SeededOrg;
let b: SeededOrg;

beforeAll(async () => {
  tdb = await createTestDatabase();
  ({ storage, cleanup } = await tempStorage());
  keyring = generateKeyring('k1');
  a = await seedOrganization(tdb.owner, 'shred-a');
  b = await seedOrganization(tdb.owner, 'shred-b');
});
afterAll(async () => {
  await tdb.drop();
  await cleanup();
});

async function backup(org: SeededOrg) {
  const backupId = randomUUID();
  const result = await runBackup({ db: tdb.worker, storage, keyring, tenantId: org.tenantId, backupId });
  return { ref: { tenantId: org.tenantId, backupId }, ...result };
}

const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => e as BackupError,
  );

/** What an owner's deletion request and the end of its grace period leave: a due, locked organization. */
async function dueForErasure(org: SeededOrg) {
  await withTenant(tdb.owner, { tenantId: org.tenantId }, (trx) =>
    sql`update organizations set locked_at = now(), lock_kind = 'deletion', deletion_requested_at = now() - interval '8 days',
          deletion_due_at = now() - interval '1 day' where tenant_id = ${org.tenantId}`.execute(trx),
  );
}

describe("each organization's backups are encrypted under its own key", () => {
  it('the key is created at the first backup, kept in the database, and never written into a backup', async () => {
    const first = await backup(a);
    const second = await backup(a);
    const keys = await withTenant(tdb.owner, { tenantId: a.tenantId }, (trx) =>
      trx.selectFrom('backupKeys').selectAll().execute(),
    );
    expect(keys).toHaveLength(1);
    expect(first.manifest).toMatchObject({ format: 'mfiq-backup/2', orgKeyId: keys[0]!.id, keyId: 'k1' });
    expect(second.manifest).toMatchObject({ orgKeyId: keys[0]!.id });
    // Each backup still has its own data key: the wrapped keys differ.
    expect(first.manifest.wrappedKey).not.toBe(second.manifest.wrappedKey);
    expect(first.manifest.tables.map((t) => t.name)).not.toContain('backup_keys');
    const manifestText = await readFile(path.join(storage.root, objectKeys(a.tenantId, first.ref.backupId).manifest));
    expect(manifestText.toString()).not.toContain(keys[0]!.wrappedKey);
  });

  it("another organization's backup cannot be opened with this organization's key", async () => {
    const { ref, manifest } = await backup(b);
    const aKey = (
      await withTenant(tdb.owner, { tenantId: a.tenantId }, (trx) =>
        trx.selectFrom('backupKeys').select('id').executeTakeFirstOrThrow(),
      )
    ).id;
    const key = await orgKeyForRestore({ keyring, db: tdb.worker }, { tenantId: a.tenantId, backupId: 'x' }, aKey);
    if (manifest.format !== 'mfiq-backup/2') throw new Error('expected format 2');
    expect(() => unwrapBackupKey(key, manifest.wrappedKey, ref.backupId, b.tenantId, manifest.orgKeyId)).toThrow(
      /does not open its data key/,
    );
    // Nor does B's key id resolve in A's tenant: RLS scopes the lookup.
    const e = await errorOf(
      orgKeyForRestore(
        { keyring, db: tdb.worker },
        { tenantId: a.tenantId, backupId: ref.backupId },
        manifest.orgKeyId,
      ),
    );
    expect(e?.code).toBe('KEY_MISSING');
  });

  it('after a master key rotation the next backup re-wraps the organization key, and old backups still open', async () => {
    const org = await seedOrganization(tdb.owner, 'rotate');
    const old = await runBackup({ db: tdb.worker, storage, keyring, tenantId: org.tenantId, backupId: randomUUID() });
    const rotated: Keyring = {
      activeId: 'k2',
      keys: new Map([...keyring.keys, ['k2', randomBytes(32)]]),
      dev: false,
    };
    await runBackup({ db: tdb.worker, storage, keyring: rotated, tenantId: org.tenantId, backupId: randomUUID() });
    const row = await withTenant(tdb.owner, { tenantId: org.tenantId }, (trx) =>
      trx.selectFrom('backupKeys').selectAll().executeTakeFirstOrThrow(),
    );
    expect(row.masterKeyId).toBe('k2');
    expect(row.rewrappedAt).toBeInstanceOf(Date);
    // k1 is no longer needed for this organization: a ring with k2 alone opens its old backup.
    const onlyK2: Keyring = { activeId: 'k2', keys: new Map([['k2', rotated.keys.get('k2')!]]), dev: false };
    const ref = { tenantId: org.tenantId, backupId: old.manifest.backupId };
    expect((await verifyBackup(storage, { keyring: onlyK2, db: tdb.worker }, ref)).backupId).toBe(ref.backupId);
  });

  it('format 1 backups (data key wrapped by the master key) are still read', async () => {
    const { ref, manifest } = await backup(b);
    if (manifest.format !== 'mfiq-backup/2') throw new Error('expected format 2');
    // Rewrite the manifest as format 1 would have written it, around the same data.
    const orgKey = await orgKeyForRestore({ keyring, db: tdb.worker }, ref, manifest.orgKeyId);
    const dataKey = unwrapBackupKey(orgKey, manifest.wrappedKey, ref.backupId, b.tenantId, manifest.orgKeyId);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', keyring.keys.get('k1')!, iv);
    cipher.setAAD(Buffer.from(`mfiq-backup-key|${ref.backupId}|${b.tenantId}|k1`));
    const ct = Buffer.concat([cipher.update(dataKey), cipher.final()]);
    const { orgKeyId: _o, mac: _m, ...rest } = manifest;
    const body = {
      ...rest,
      format: 'mfiq-backup/1',
      wrappedKey: Buffer.concat([iv, ct, cipher.getAuthTag()]).toString('base64'),
    };
    const macKey = Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), 'mfiq-backup/1 manifest', 32));
    const canonical = (v: unknown): string =>
      Array.isArray(v)
        ? `[${v.map(canonical).join(',')}]`
        : v && typeof v === 'object'
          ? `{${Object.entries(v)
              .sort(([x], [y]) => (x < y ? -1 : 1))
              .map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`)
              .join(',')}}`
          : JSON.stringify(v);
    const v1 = { ...body, mac: createHmac('sha256', macKey).update(canonical(body)).digest('hex') };
    await writeFile(path.join(storage.root, objectKeys(b.tenantId, ref.backupId).manifest), JSON.stringify(v1));
    const read = await verifyBackup(storage, { keyring, db: tdb.worker }, ref);
    expect(read.format).toBe('mfiq-backup/1');
  });
});

describe('crypto-shredding: erasing an organization destroys its key', () => {
  it("every old backup of the erased organization fails with a clear error; other organizations' backups restore", async () => {
    const org = await seedOrganization(tdb.owner, 'erased');
    const { ref } = await backup(org);
    const other = await backup(b);
    // A copy kept elsewhere (an object store replica, a tape): the erasure cannot reach it.
    const offsite = await mkdtemp(path.join(os.tmpdir(), 'mfiq-offsite-'));
    try {
      await cp(storage.root, offsite, { recursive: true });
      await dueForErasure(org);
      const { rows } = await sql<{
        backupKeys: string[];
      }>`select backup_keys from app_erase_organization(${org.tenantId}, '{}'::jsonb)`.execute(tdb.worker);
      expect(rows[0]!.backupKeys).toHaveLength(1);
      const copy = new FsStorage(offsite);
      for (const attempt of [
        () => verifyBackup(copy, { keyring, db: tdb.worker }, ref),
        () => restoreBackup({ db: tdb.owner, storage: copy, keyring, ref, target: { kind: 'new', slug: 'revived' } }),
      ]) {
        const e = await errorOf(attempt());
        expect(e).toBeInstanceOf(BackupError);
        expect(e?.code).toBe('KEY_DESTROYED');
        expect(e?.message).toMatch(
          new RegExp(`the backup key of organization "${org.slug}" was destroyed when the organization was erased on `),
        );
      }
      // The master key is the same one: it is the organization's own key that is gone.
      expect(keyring.keys.has('k1')).toBe(true);
      const restored = await restoreBackup({
        db: tdb.owner,
        storage: copy,
        keyring,
        ref: other.ref,
        target: { kind: 'new', slug: 'shred-b-copy' },
      });
      expect(restored.restored).toBe(true);
    } finally {
      await rm(offsite, { recursive: true, force: true });
    }
  });
});
