import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sql, withTenant } from '@mfiq/db';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from './backup.ts';
import { EXCLUDED_TABLES, readTenantTables, type TenantTable } from './catalog.ts';
import { BackupError } from './errors.ts';
import { generateKeyring, type Keyring } from './keyring.ts';
import { verifyBackup } from './reader.ts';
import { restoreBackup } from './restore.ts';
import { restoresRows, ruleFor } from './rules.ts';
import { objectKeys, type FsStorage } from './storage.ts';
import { dumpTenant, fingerprint, seedOrganization, tempStorage, type SeededOrg } from './testing/fixtures.ts';

let tdb: TestDatabase;
let storage: FsStorage;
let cleanup: () => Promise<void>;
let keyring: Keyring;
let tables: TenantTable[];
let a: SeededOrg;
let b: SeededOrg;

beforeAll(async () => {
  tdb = await createTestDatabase();
  ({ storage, cleanup } = await tempStorage());
  keyring = generateKeyring('k1');
  tables = await readTenantTables(tdb.owner);
  a = await seedOrganization(tdb.owner, 'alpha');
  b = await seedOrganization(tdb.owner, 'beta');
});
afterAll(async () => {
  await tdb.drop();
  await cleanup();
});

/** A backup of `org` taken by the worker role, as the scheduled task takes it. */
async function backup(org: SeededOrg, opts: Partial<Parameters<typeof runBackup>[0]> = {}) {
  const backupId = randomUUID();
  const result = await runBackup({ db: tdb.worker, storage, keyring, tenantId: org.tenantId, backupId, ...opts });
  return { ref: { tenantId: org.tenantId, backupId }, ...result };
}

async function errorOf(p: Promise<unknown>): Promise<BackupError> {
  const e = await p.then(
    () => null,
    (error: unknown) => error,
  );
  expect(e).toBeInstanceOf(BackupError);
  return e as BackupError;
}

const newOrgId = async (slug: string) =>
  (await tdb.admin.selectFrom('organizations').select('tenantId').where('slug', '=', slug).executeTakeFirstOrThrow())
    .tenantId;

/** Columns a restore sets anew by design: a metric's data revision moves whenever its rollups are written (0135). */
const RENEWED: Record<string, string[]> = { metric_data_revisions: ['revision'] };
const withoutRenewed = (table: string, row: Record<string, unknown>) => {
  const out = { ...row };
  for (const c of RENEWED[table] ?? []) delete out[c];
  return out;
};

/** The rows of a tenant with what a copy must change taken out: tenant_id everywhere, the slug. */
const comparable = (dump: Record<string, Record<string, unknown>[]>, drop: Record<string, string[]> = {}) =>
  Object.fromEntries(
    Object.entries(dump).map(([t, rows]) => [
      t,
      rows
        .filter((r) => r.action !== 'backup.restored')
        .map((r) => {
          const { tenant_id: _t, ...rest } = withoutRenewed(t, r);
          if (t === 'organizations') delete rest.slug;
          for (const c of drop[t] ?? []) delete rest[c];
          return rest;
        }),
    ]),
  );

/** The tables a copy carries over: restored ones, and derived ones (recomputed by triggers). */
const copied = (dump: Record<string, Record<string, unknown>[]>) =>
  Object.fromEntries(Object.entries(dump).filter(([t]) => restoresRows(t, 'new') || ruleFor(t).derived));

describe('catalog', () => {
  it('finds every tenant table, and the worker role can read each of them', async () => {
    const names = tables.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['organizations', 'memberships', 'audit_outbox']));
    expect(names.indexOf('organizations')).toBeLessThan(names.indexOf('memberships'));
    expect(names).not.toContain('backups');
    expect(names).not.toContain('backup_keys');
    for (const t of names) {
      const { rows } = await sql<{
        ok: boolean;
      }>`select has_table_privilege('mfiq_worker', ${`public.${t}`}, 'select') as ok`.execute(tdb.owner);
      expect(rows[0]!.ok, `grant select on ${t} to mfiq_worker`).toBe(true);
    }
    expect([...EXCLUDED_TABLES]).toEqual(['backups', 'backup_keys', 'restore_drills']);
  });

  it('refuses to back up a tenant table with no stable order', async () => {
    const other = await createTestDatabase();
    try {
      const org = await seedOrganization(other.owner, 'noorder');
      await sql`create table loose (tenant_id uuid not null, v text)`.execute(other.owner);
      await sql`grant select on loose to mfiq_worker`.execute(other.owner);
      const e = await errorOf(
        runBackup({ db: other.worker, storage, keyring, tenantId: org.tenantId, backupId: randomUUID() }),
      );
      expect(e.code).toBe('UNORDERED_TABLE');
      expect(e.message).toMatch(/"loose" has no primary key/);
    } finally {
      await other.drop();
    }
  });
});

describe('round trip', () => {
  it('the seeded organization has rows in every tenant table', async () => {
    const dump = await dumpTenant(tdb, a.tenantId, tables);
    for (const t of tables)
      expect(dump[t.name]!.length, `seed rows for ${t.name} in testing/fixtures.ts`).toBeGreaterThan(0);
  });

  it('backs up, then restores into a new organization equal row by row (tenant id and slug remapped)', async () => {
    const { ref, manifest } = await backup(a);
    expect(manifest.tables.map((t) => t.name)).toEqual(tables.map((t) => t.name));
    expect(manifest.tables.find((t) => t.name === 'memberships')?.rows).toBe(4);
    expect(manifest.keyId).toBe('k1');
    const result = await restoreBackup({
      db: tdb.owner,
      storage,
      keyring,
      ref,
      target: { kind: 'new', slug: 'alpha-copy' },
    });
    const copyId = await newOrgId('alpha-copy');
    expect(result.tenantId).toBe(copyId);
    expect(copyId).not.toBe(a.tenantId);
    const original = await dumpTenant(tdb, a.tenantId, tables);
    const copy = await dumpTenant(tdb, copyId, tables);
    expect(comparable(copied(copy))).toEqual(comparable(copied(original)));
    // Credentials and the audit chain are not copied (rules.ts): the copy starts without them.
    for (const t of tables.filter((t) => ruleFor(t.name).copy === 'skip')) expect(copy[t.name], t.name).toEqual([]);
    expect(copy.organizations![0]).toMatchObject({
      slug: 'alpha-copy',
      tenant_id: copyId,
      created_at: original.organizations![0]!.created_at,
    });
    // The copy's own history says where it came from.
    const restored = copy.audit_outbox!.filter((r) => r.action === 'backup.restored');
    expect(restored).toHaveLength(1);
    expect(restored[0]).toMatchObject({ target_id: ref.backupId, after: { sourceTenantId: a.tenantId, mode: 'new' } });
  });

  it('restores into the same organization: changes since the backup are undone, in one transaction', async () => {
    const org = await seedOrganization(tdb.owner, 'inplace');
    const { ref } = await backup(org);
    const before = await dumpTenant(tdb, org.tenantId, tables);
    await withTenant(tdb.owner, { tenantId: org.tenantId }, async (trx) => {
      await trx.updateTable('organizations').set({ name: 'Changed' }).where('tenantId', '=', org.tenantId).execute();
      await trx.deleteFrom('memberships').where('userId', '=', org.userIds[3]!).execute();
      await trx.updateTable('memberships').set({ role: 'viewer' }).where('userId', '=', org.userIds[1]!).execute();
      await trx.insertInto('backups').values({ tenantId: org.tenantId, kind: 'manual' }).execute();
    });
    await restoreBackup({ db: tdb.owner, storage, keyring, ref, target: { kind: 'same' } });
    const after = await dumpTenant(tdb, org.tenantId, tables);
    const kept = tables.filter((t) => ruleFor(t.name).inPlace === 'keep').map((t) => t.name);
    expect(kept).toEqual(expect.arrayContaining(['audit_outbox', 'audit_log', 'api_keys', 'memberships']));
    const withoutKept = (d: typeof before) =>
      Object.fromEntries(
        Object.entries(d)
          .filter(([t]) => !kept.includes(t))
          .map(([t, rows]) => [t, rows.map((r) => withoutRenewed(t, r))]),
      );
    expect(withoutKept(after)).toEqual(withoutKept(before));
    // History is not rewound: the outbox keeps its rows and gains the restore event.
    expect(after.audit_outbox!.filter((r) => r.action !== 'backup.restored')).toEqual(before.audit_outbox);
    // The list of backups is not part of the data: the row added after the backup is still there.
    const backups = await tdb.admin.selectFrom('backups').select('id').where('tenantId', '=', org.tenantId).execute();
    expect(backups).toHaveLength(1);
  });

  it('in place, a removed member stays removed and a changed role stays changed (finding 11)', async () => {
    const org = await seedOrganization(tdb.owner, 'removed');
    const { ref } = await backup(org);
    const [, admin, editor] = org.userIds;
    await withTenant(tdb.owner, { tenantId: org.tenantId }, async (trx) => {
      // The editor owns a metric: removing them clears its owner (ON DELETE SET NULL).
      await trx.deleteFrom('memberships').where('userId', '=', editor!).execute();
      await trx.updateTable('memberships').set({ role: 'viewer' }).where('userId', '=', admin!).execute();
    });
    const result = await restoreBackup({ db: tdb.owner, storage, keyring, ref, target: { kind: 'same' } });
    const members = await tdb.admin
      .selectFrom('memberships')
      .select(['userId', 'role'])
      .where('tenantId', '=', org.tenantId)
      .execute();
    expect(members.map((m) => m.userId)).not.toContain(editor);
    expect(members.find((m) => m.userId === admin)?.role).toBe('viewer');
    // The restored metric no longer names the removed member as its owner.
    const revenue = await tdb.admin
      .selectFrom('metrics')
      .select('ownerMembershipId')
      .where('tenantId', '=', org.tenantId)
      .where('key', '=', 'revenue')
      .executeTakeFirstOrThrow();
    expect(revenue.ownerMembershipId).toBeNull();
    // The operator is told, and the trail records, what stayed as it is now.
    expect(result.kept).toMatchObject({
      membersRemovedSinceBackup: [editor],
      rolesChangedSinceBackup: [{ userId: admin, backup: 'admin', current: 'viewer' }],
    });
    const event = await tdb.admin
      .selectFrom('auditOutbox')
      .select('after')
      .where('tenantId', '=', org.tenantId)
      .where('action', '=', 'backup.restored')
      .executeTakeFirstOrThrow();
    expect(event.after).toMatchObject({ kept: { membersRemovedSinceBackup: [editor] } });
  });

  it('in place, a raised two-factor and session policy stays raised (finding 11)', async () => {
    const org = await seedOrganization(tdb.owner, 'policy');
    const { ref } = await backup(org);
    await withTenant(tdb.owner, { tenantId: org.tenantId }, (trx) =>
      trx
        .updateTable('organizations')
        .set({ requireTwoFactor: true, sessionIdleMinutes: 15, sessionAbsoluteHours: 8, name: 'Renamed' })
        .where('tenantId', '=', org.tenantId)
        .execute(),
    );
    const result = await restoreBackup({ db: tdb.owner, storage, keyring, ref, target: { kind: 'same' } });
    const row = await tdb.admin
      .selectFrom('organizations')
      .select(['name', 'requireTwoFactor', 'sessionIdleMinutes', 'sessionAbsoluteHours'])
      .where('tenantId', '=', org.tenantId)
      .executeTakeFirstOrThrow();
    // Ordinary data goes back to the backup; the security policy does not.
    expect(row).toEqual({
      name: expect.not.stringMatching(/^Renamed$/),
      requireTwoFactor: true,
      sessionIdleMinutes: 15,
      sessionAbsoluteHours: 8,
    });
    expect(result.kept?.settings).toEqual({
      require_two_factor: { backup: false, current: true },
      session_idle_minutes: { backup: null, current: 15 },
      session_absolute_hours: { backup: null, current: 8 },
    });
  });

  it('in place, a locked organization stays locked (finding 11)', async () => {
    const org = await seedOrganization(tdb.owner, 'locked');
    const { ref } = await backup(org);
    await withTenant(tdb.owner, { tenantId: org.tenantId }, (trx) =>
      trx
        .updateTable('organizations')
        .set({ lockedAt: new Date(), lockedReason: 'incident 42' })
        .where('tenantId', '=', org.tenantId)
        .execute(),
    );
    const result = await restoreBackup({ db: tdb.owner, storage, keyring, ref, target: { kind: 'same' } });
    const row = await tdb.admin
      .selectFrom('organizations')
      .select(['lockedAt', 'lockedReason'])
      .where('tenantId', '=', org.tenantId)
      .executeTakeFirstOrThrow();
    expect(row.lockedAt).toBeInstanceOf(Date);
    expect(row.lockedReason).toBe('incident 42');
    expect(Object.keys(result.kept?.settings ?? {}).sort()).toEqual(['lock_kind', 'locked_at', 'locked_reason']);
  });

  it('in place, a pending deletion stays pending, on its own lock', async () => {
    const org = await seedOrganization(tdb.owner, 'pending');
    const { ref } = await backup(org);
    const due = new Date(Date.now() + 7 * 86_400_000);
    await withTenant(tdb.owner, { tenantId: org.tenantId }, (trx) =>
      trx
        .updateTable('organizations')
        .set({
          lockedAt: new Date(),
          lockedReason: 'Deletion requested by an owner',
          lockKind: 'deletion',
          deletionRequestedAt: new Date(),
          deletionDueAt: due,
        })
        .where('tenantId', '=', org.tenantId)
        .execute(),
    );
    await restoreBackup({ db: tdb.owner, storage, keyring, ref, target: { kind: 'same' } });
    const row = await tdb.admin
      .selectFrom('organizations')
      .select(['lockKind', 'deletionDueAt'])
      .where('tenantId', '=', org.tenantId)
      .executeTakeFirstOrThrow();
    // An older backup neither cancels the deletion nor turns its lock into an operator's.
    expect(row).toEqual({ lockKind: 'deletion', deletionDueAt: due });
  });

  it('restores an older backup after a later migration that added a column with a default', async () => {
    const other = await createTestDatabase();
    try {
      const org = await seedOrganization(other.owner, 'older');
      const { ref, manifest } = await runBackup({
        db: other.worker,
        storage,
        keyring,
        tenantId: org.tenantId,
        backupId: randomUUID(),
      }).then((r) => ({
        ref: { tenantId: org.tenantId, backupId: r.manifest.backupId },
        ...r,
      }));
      // A test-only migration: a new column with a default on a tenant table, recorded as applied.
      const next = manifest.schemaVersion + 1000;
      await sql`alter table memberships add column nickname text not null default 'none'`.execute(other.owner);
      await sql`insert into schema_migrations (version, name, checksum) values (${next}, ${`${next}_test_nickname`}, 'test')`.execute(
        other.owner,
      );
      const result = await restoreBackup({
        db: other.owner,
        storage,
        keyring,
        ref,
        target: { kind: 'new', slug: 'older-copy' },
      });
      expect(result.plan).toMatchObject({ fromVersion: manifest.schemaVersion, toVersion: next });
      const now = await readTenantTables(other.owner);
      const copyId = (
        await other.admin
          .selectFrom('organizations')
          .select('tenantId')
          .where('slug', '=', 'older-copy')
          .executeTakeFirstOrThrow()
      ).tenantId;
      const original = await dumpTenant(other, org.tenantId, now);
      const copy = await dumpTenant(other, copyId, now);
      expect(comparable(copied(copy))).toEqual(comparable(copied(original)));
      expect(copy.memberships!.map((m) => m.nickname)).toEqual(['none', 'none', 'none', 'none']);
    } finally {
      await other.drop();
    }
  });

  it('refuses, restoring nothing, a backup the current schema cannot take', async () => {
    const other = await createTestDatabase();
    try {
      const org = await seedOrganization(other.owner, 'refused');
      const backupId = randomUUID();
      await runBackup({ db: other.worker, storage, keyring, tenantId: org.tenantId, backupId });
      await sql`alter table memberships add column badge text`.execute(other.owner);
      await sql`update memberships set badge = 'gold'`.execute(other.admin);
      await sql`alter table memberships alter column badge set not null`.execute(other.owner);
      await sql`insert into schema_migrations (version, name, checksum) values (9998, '9998_test_badge', 'test')`.execute(
        other.owner,
      );
      const before = await fingerprint(other);
      const e = await errorOf(
        restoreBackup({
          db: other.owner,
          storage,
          keyring,
          ref: { tenantId: org.tenantId, backupId },
          target: { kind: 'new', slug: 'refused-copy' },
        }),
      );
      expect(e.code).toBe('SCHEMA_INCOMPATIBLE');
      expect(e.message).toMatch(/memberships now requires column\(s\) badge/);
      const same = await errorOf(
        restoreBackup({
          db: other.owner,
          storage,
          keyring,
          ref: { tenantId: org.tenantId, backupId },
          target: { kind: 'same' },
        }),
      );
      expect(same.code).toBe('SCHEMA_INCOMPATIBLE');
      expect(await fingerprint(other)).toEqual(before);
    } finally {
      await other.drop();
    }
  });

  it('--verify checks everything and writes nothing', async () => {
    const { ref } = await backup(a);
    const before = await fingerprint(tdb);
    const result = await restoreBackup({
      db: tdb.owner,
      storage,
      keyring,
      ref,
      target: { kind: 'same' },
      verifyOnly: true,
    });
    expect(result.restored).toBe(false);
    expect((await verifyBackup(storage, { keyring, db: tdb.worker }, ref)).backupId).toBe(ref.backupId);
    expect(await fingerprint(tdb)).toEqual(before);
  });
});

describe('tampering', () => {
  let ref: { tenantId: string; backupId: string };
  let before: Record<string, string>;
  beforeAll(async () => {
    ({ ref } = await backup(a, { chunkRows: 1 }));
  });

  /** Each case: damage a copy, try verify and both kinds of restore, expect the error, nothing written. */
  async function expectRefused(
    damage: () => Promise<() => Promise<void>>,
    code: string,
    message: RegExp,
    ring = keyring,
  ) {
    const restoreFile = await damage();
    try {
      before = await fingerprint(tdb);
      for (const attempt of [
        () => verifyBackup(storage, { keyring: ring, db: tdb.worker }, ref),
        () => restoreBackup({ db: tdb.owner, storage, keyring: ring, ref, target: { kind: 'same' } }),
        () =>
          restoreBackup({
            db: tdb.owner,
            storage,
            keyring: ring,
            ref,
            target: { kind: 'new', slug: `tamper-${randomUUID().slice(0, 6)}` },
          }),
      ]) {
        const e = await errorOf(attempt());
        expect(e.code).toBe(code);
        expect(e.message).toMatch(message);
      }
      expect(await fingerprint(tdb)).toEqual(before);
    } finally {
      await restoreFile();
    }
  }

  const file = (key: string) => path.join(storage.root, key);
  async function edit(key: string, change: (buf: Buffer) => Buffer) {
    const original = await readFile(file(key));
    await writeFile(file(key), change(Buffer.from(original)));
    return () => writeFile(file(key), original);
  }

  it('a flipped byte in the ciphertext', async () => {
    await expectRefused(
      () =>
        edit(objectKeys(ref.tenantId, ref.backupId).data, (buf) => {
          buf[Math.floor(buf.length / 2)]! ^= 0x01;
          return buf;
        }),
      'DATA_TAMPERED',
      /frame \d+ failed authentication/,
    );
  });

  it('a truncated data file', async () => {
    await expectRefused(
      () => edit(objectKeys(ref.tenantId, ref.backupId).data, (buf) => buf.subarray(0, buf.length - 40)),
      'DATA_TRUNCATED',
      /ends before its last frame/,
    );
  });

  it('an edited manifest (row count, checksum or schema version)', async () => {
    for (const change of [
      (m: { tables: { rows: number }[] }) => (m.tables[1]!.rows += 1),
      (m: { schemaVersion: number }) => (m.schemaVersion = 1),
      (m: { tables: { sha256: string }[] }) => (m.tables[0]!.sha256 = 'a'.repeat(64)),
    ]) {
      await expectRefused(
        () =>
          edit(objectKeys(ref.tenantId, ref.backupId).manifest, (buf) => {
            const m = JSON.parse(buf.toString('utf8'));
            change(m);
            return Buffer.from(JSON.stringify(m));
          }),
        'MANIFEST_TAMPERED',
        /manifest failed authentication/,
      );
    }
  });

  it('a wrong key under the right id', async () => {
    await expectRefused(
      async () => async () => {},
      'KEY_WRONG',
      /master key "k1" does not open the backup key of organization/i,
      generateKeyring('k1'),
    );
  });

  it('a missing key', async () => {
    await expectRefused(
      async () => async () => {},
      'KEY_MISSING',
      /master key "k1", which is not in BACKUP_KEYS/,
      generateKeyring('k2'),
    );
  });

  it('a rotated keyring still opens older backups with the retired key', async () => {
    const rotated: Keyring = {
      activeId: 'k2',
      keys: new Map([...keyring.keys, ['k2', generateKeyring('k2').keys.get('k2')!]]),
      dev: false,
    };
    expect((await verifyBackup(storage, { keyring: rotated, db: tdb.worker }, ref)).keyId).toBe('k1');
    const fresh = await runBackup({
      db: tdb.worker,
      storage,
      keyring: rotated,
      tenantId: b.tenantId,
      backupId: randomUUID(),
    });
    expect(fresh.manifest.keyId).toBe('k2');
  });
});

describe('consistency', () => {
  it('a backup taken while writes continue reflects one moment', async () => {
    const org = await seedOrganization(tdb.owner, 'moving');
    // Each write changes the organization and adds an outbox row in one transaction: in any single
    // moment, the name's counter equals the number of 'test.tick' rows.
    let ticks = 0;
    const tick = () =>
      withTenant(tdb.owner, { tenantId: org.tenantId }, async (trx) => {
        ticks += 1;
        await trx
          .updateTable('organizations')
          .set({ name: `tick ${ticks}` })
          .where('tenantId', '=', org.tenantId)
          .execute();
        await trx
          .insertInto('auditOutbox')
          .values({ tenantId: org.tenantId, action: 'test.tick', actorType: 'system', targetId: String(ticks) })
          .execute();
      });
    await tick();
    let stop = false;
    const background = (async () => {
      while (!stop) await tick();
    })();
    // And, deterministically, committed writes between the tables being read.
    const { ref } = await backup(org, { afterTable: async () => void (await tick()) });
    stop = true;
    await background;
    await restoreBackup({ db: tdb.owner, storage, keyring, ref, target: { kind: 'new', slug: 'moving-copy' } });
    const copyId = await newOrgId('moving-copy');
    const copy = await dumpTenant(tdb, copyId, tables);
    const name = copy.organizations![0]!.name as string;
    const tickRows = copy.audit_outbox!.filter((r) => r.action === 'test.tick');
    expect(name).toBe(`tick ${tickRows.length}`);
    expect(ticks).toBeGreaterThan(tickRows.length);
  });
});

describe('isolation', () => {
  it("restoring A, in place or as a copy, never changes B's rows", async () => {
    const bBefore = await dumpTenant(tdb, b.tenantId, tables);
    const { ref } = await backup(a);
    await restoreBackup({ db: tdb.owner, storage, keyring, ref, target: { kind: 'same' } });
    await restoreBackup({ db: tdb.owner, storage, keyring, ref, target: { kind: 'new', slug: 'alpha-second' } });
    expect(await dumpTenant(tdb, b.tenantId, tables)).toEqual(bBefore);
  });

  it("a backup of A holds only A's rows, even read by a role that could see more", async () => {
    const { ref, manifest } = await backup(a);
    const expected = await dumpTenant(tdb, a.tenantId, tables);
    for (const t of manifest.tables) expect(t.rows, t.name).toBe(expected[t.name]!.length);
    expect(ref.tenantId).toBe(a.tenantId);
  });

  it("a backup cannot be passed off as another tenant's: the manifest is bound to its place", async () => {
    const { ref } = await backup(a);
    const keys = objectKeys(ref.tenantId, ref.backupId);
    const moved = objectKeys(b.tenantId, ref.backupId);
    const { mkdir, copyFile } = await import('node:fs/promises');
    await mkdir(path.dirname(path.join(storage.root, moved.data)), { recursive: true });
    await copyFile(path.join(storage.root, keys.data), path.join(storage.root, moved.data));
    await copyFile(path.join(storage.root, keys.manifest), path.join(storage.root, moved.manifest));
    const e = await errorOf(
      verifyBackup(storage, { keyring, db: tdb.worker }, { tenantId: b.tenantId, backupId: ref.backupId }),
    );
    expect(e.code).toBe('MANIFEST_TAMPERED');
  });
});
