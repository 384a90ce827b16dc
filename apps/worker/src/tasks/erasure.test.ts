import { randomUUID } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BackupError, FsStorage, generateKeyring, restoreBackup, verifyBackup } from '@mfiq/backup';
import { dumpTenant, seedOrganization, type SeededOrg } from '@mfiq/backup/testing';
import { sql, withPendingDeletionTenant, withTenant } from '@mfiq/db';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryLogger } from '../testing/fixtures.ts';
import { performBackup } from './backup.ts';
import { eraseDueOrganizations } from './erasure.ts';
import { runDrill } from './restore-drills.ts';
import { createMailer, sendPendingEmails } from './send-emails.ts';

let tdb: TestDatabase;
let root: string;
let storage: FsStorage;
let mailboxDir: string;
const keyring = generateKeyring('k1');
const retention = { daily: 7, weekly: 4 };

beforeAll(async () => {
  tdb = await createTestDatabase();
  root = await mkdtemp(path.join(tmpdir(), 'mfiq-erasure-'));
  storage = new FsStorage(path.join(root, 'backups'));
  mailboxDir = path.join(root, 'mailbox');
});
afterAll(async () => {
  await tdb.drop();
  await rm(root, { recursive: true, force: true });
});

/** Every table of the catalog with a tenant_id column: what "every tenant row" means. */
async function tenantTables(): Promise<{ name: string; primaryKey: string[] }[]> {
  const { rows } = await sql<{ name: string; primaryKey: string[] }>`
    select c.relname::text as name,
           (select array_agg(a.attname::text order by k.ord) from pg_index i
              cross join unnest(i.indkey::int2[]) with ordinality as k(attnum, ord)
              join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
             where i.indrelid = c.oid and i.indisprimary) as "primaryKey"
      from pg_class c
     where c.relnamespace = 'public'::regnamespace and c.relkind = 'r'
       and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)
     order by 1`.execute(tdb.admin);
  return rows;
}

async function rowCounts(tenantId: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of await tenantTables()) {
    const { rows } = await sql<{
      n: number;
    }>`select count(*)::int as n from ${sql.table(t.name)} where tenant_id = ${tenantId}`.execute(tdb.admin);
    out[t.name] = rows[0]!.n;
  }
  return out;
}

const logger = memoryLogger().logger;
const deps = () => ({ db: tdb.worker, logger, storage, mailboxDir });
const backupDeps = () => ({ db: tdb.worker, logger, backups: { storage, keyring, retention } });

/** An organization with rows in every tenant table: seed data, a backup (and its key), a drill, mail. */
async function fullOrganization(label: string): Promise<SeededOrg> {
  const org = await seedOrganization(tdb.owner, label);
  const backupId = randomUUID();
  await withTenant(tdb.worker, { tenantId: org.tenantId }, (trx) =>
    trx.insertInto('backups').values({ tenantId: org.tenantId, id: backupId, kind: 'manual' }).execute(),
  );
  expect(await performBackup(backupDeps(), org.tenantId, backupId)).toBe('succeeded');
  const drill = await runDrill({ ...deps(), keyring, sample: 0, operatorEmail: null }, org.tenantId, 'operator');
  expect(drill.status).toBe('passed');
  // Mail about the organization (as an invitation is), delivered into the dev mailbox.
  await tdb.owner
    .insertInto('emailOutbox')
    .values({
      kind: 'invitation',
      toAddress: `invitee-${label}@example.test`,
      subject: `Join ${label}`,
      textBody: 'https://example.test/invite/x',
      organizationId: org.tenantId,
    })
    .execute();
  await sendPendingEmails(tdb.worker, createMailer({ smtpUrl: null, from: 'x@example.test', mailboxDir }), logger);
  return org;
}

/** An owner's request, as the app makes it (org.requestDeletion): the organization is locked, due in 7 days. */
async function requestDeletion(org: SeededOrg) {
  await withTenant(tdb.app, { tenantId: org.tenantId, actorId: org.userIds[0]! }, (trx) =>
    sql`select app_request_organization_deletion(7)`.execute(trx),
  );
}

/** Recipients of the mail kept in the dev mailbox. */
async function mailboxRecipients(): Promise<string[]> {
  const out: string[] = [];
  for (const f of await readdir(mailboxDir))
    out.push((JSON.parse(await readFile(path.join(mailboxDir, f), 'utf8')) as { to: string }).to);
  return out.sort();
}

describe('erasing an organization after its grace period', () => {
  let a: SeededOrg;
  let b: SeededOrg;
  let offsite: string;
  let before: Record<string, number>;
  let bBefore: Awaited<ReturnType<typeof dumpTenant>>;

  beforeAll(async () => {
    a = await fullOrganization('erase-a');
    b = await fullOrganization('erase-b');
    offsite = path.join(root, 'offsite');
    await cp(storage.root, offsite, { recursive: true });
    before = await rowCounts(a.tenantId);
    bBefore = await dumpTenant(tdb, b.tenantId, await tenantTables());
  });

  it('the organization to erase has rows in every tenant table of the catalog (so the test covers each)', () => {
    const empty = Object.entries(before)
      .filter(([, n]) => n === 0)
      .map(([t]) => t);
    expect(empty, 'tenant tables without rows for the organization: seed them in fullOrganization').toEqual([]);
  });

  it('does nothing during the grace period', async () => {
    await requestDeletion(a);
    expect(await eraseDueOrganizations(deps())).toEqual([]);
    expect(await rowCounts(a.tenantId)).toEqual(before);
    // Nor can anything call the erasure early: the database refuses an organization that is not due.
    for (const org of [a, b]) {
      const refused = await sql`select * from app_erase_organization(${org.tenantId}, '{}'::jsonb)`
        .execute(tdb.worker)
        .catch((e: { code?: string }) => e.code);
      expect(refused).toBe('42501');
    }
  });

  it('then leaves zero rows with its tenant_id in every tenant table, its files and mail gone, and the others untouched', async () => {
    await tdb.admin
      .updateTable('organizations')
      .set({
        deletionRequestedAt: sql<Date>`now() - interval '7 days 1 minute'`,
        deletionDueAt: sql<Date>`now() - interval '1 minute'`,
      })
      .where('tenantId', '=', a.tenantId)
      .execute();
    const [outcome] = await eraseDueOrganizations(deps());
    expect(outcome).toMatchObject({ slug: a.slug, files: { backupObjects: 2, mailboxFiles: 1 }, backupKeys: 1 });
    const after = await rowCounts(a.tenantId);
    expect(Object.entries(after).filter(([, n]) => n > 0)).toEqual([]);
    expect(await dumpTenant(tdb, b.tenantId, await tenantTables())).toEqual(bBefore);
    expect(await storage.list(`${a.tenantId}/`)).toEqual([]);
    expect((await storage.list(`${b.tenantId}/`)).length).toBe(2);
    expect(await mailboxRecipients()).toEqual(['invitee-erase-b@example.test']);
    expect(
      await tdb.admin.selectFrom('emailOutbox').select('id').where('organizationId', '=', a.tenantId).execute(),
    ).toEqual([]);
  });

  it('keeps an append-only erasure record and a platform audit event, and mails the owners', async () => {
    const record = await tdb.owner
      .selectFrom('organizationErasures')
      .selectAll()
      .where('organizationId', '=', a.tenantId)
      .executeTakeFirstOrThrow();
    const ownerEmail = (
      await tdb.admin.selectFrom('users').select('email').where('id', '=', a.userIds[0]!).executeTakeFirstOrThrow()
    ).email;
    expect(record).toMatchObject({
      slug: a.slug,
      requestedBy: a.userIds[0],
      requestedByEmail: ownerEmail,
      filesDeleted: { backupObjects: 2, mailboxFiles: 1 },
      mailsDeleted: 1,
      notified: [ownerEmail],
    });
    expect(record.backupKeysDestroyed).toHaveLength(1);
    // Every table that had rows is counted (rollups are removed by their trigger as the points go).
    // The query builder hands nested JSON keys back in camelCase, like columns.
    const counted = record.rowsDeleted as Record<string, number>;
    for (const [table, n] of Object.entries(before)) {
      if (table === 'metric_daily_rollups') continue;
      expect(counted[table.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())], table).toBe(n);
    }
    for (const attempt of [
      sql`update organization_erasures set slug = 'x' where organization_id = ${a.tenantId}`,
      sql`delete from organization_erasures where organization_id = ${a.tenantId}`,
      sql`truncate organization_erasures`,
    ]) {
      const e = await attempt.execute(tdb.owner).catch((error: { code?: string }) => error.code);
      expect(e).toBe('42501');
    }
    const event = await tdb.admin
      .selectFrom('platformAuditOutbox')
      .selectAll()
      .where('action', '=', 'organization.erased')
      .where('targetId', '=', a.tenantId)
      .executeTakeFirstOrThrow();
    expect(event.after).toMatchObject({ erasureId: record.id, backupKeysDestroyed: record.backupKeysDestroyed });
    const mail = await tdb.admin
      .selectFrom('emailOutbox')
      .selectAll()
      .where('kind', '=', 'organization_erased')
      .where('toAddress', '=', ownerEmail)
      .executeTakeFirstOrThrow();
    expect(mail.organizationId).toBeNull();
    expect(mail.textBody).toContain(record.id);
    expect(mail.textBody).toMatch(/1 backup key\(s\) destroyed/);
  });

  it("makes every old backup unreadable (key destroyed), while the other organization's backups restore", async () => {
    const copy = new FsStorage(offsite);
    const objects = await copy.list();
    const aBackup = objects.find((o) => o.key.startsWith(`${a.tenantId}/`) && o.key.endsWith('.manifest.json'))!;
    const aRef = { tenantId: a.tenantId, backupId: path.basename(aBackup.key, '.manifest.json') };
    const e = await verifyBackup(copy, { keyring, db: tdb.worker }, aRef).catch((error: unknown) => error);
    expect(e).toBeInstanceOf(BackupError);
    expect((e as BackupError).code).toBe('KEY_DESTROYED');
    expect((e as BackupError).message).toContain(
      `organization "${a.slug}" was destroyed when the organization was erased`,
    );
    const bBackup = objects.find((o) => o.key.startsWith(`${b.tenantId}/`) && o.key.endsWith('.manifest.json'))!;
    const restored = await restoreBackup({
      db: tdb.owner,
      storage: copy,
      keyring,
      ref: { tenantId: b.tenantId, backupId: path.basename(bBackup.key, '.manifest.json') },
      target: { kind: 'new', slug: 'erase-b-copy' },
    });
    expect(restored.restored).toBe(true);
  });

  it('frees the slug, and a cancelled deletion is never erased', async () => {
    const reuse = await seedOrganization(tdb.owner, 'reuse');
    await withTenant(tdb.owner, { tenantId: reuse.tenantId }, (trx) =>
      trx.updateTable('organizations').set({ slug: a.slug }).where('tenantId', '=', reuse.tenantId).execute(),
    );
    const c = await fullOrganization('erase-c');
    await requestDeletion(c);
    // As an owner cancels: through the pending-deletion entry (the lock keeps every other one out).
    await withPendingDeletionTenant(tdb.app, { userId: c.userIds[0]!, slug: c.slug }, (trx) =>
      sql`select app_cancel_organization_deletion()`.execute(trx),
    );
    expect(await eraseDueOrganizations(deps())).toEqual([]);
    expect((await rowCounts(c.tenantId)).organizations).toBe(1);
  });
});

describe('a copy restored from a backup taken during the grace period', () => {
  it('is an organization of its own: not locked for the deletion, never erased with the original', async () => {
    const d = await fullOrganization('erase-d');
    await requestDeletion(d);
    const backupId = randomUUID();
    await withTenant(tdb.worker, { tenantId: d.tenantId, evenIfLocked: true }, (trx) =>
      trx.insertInto('backups').values({ tenantId: d.tenantId, id: backupId, kind: 'manual' }).execute(),
    );
    expect(await performBackup(backupDeps(), d.tenantId, backupId)).toBe('succeeded');
    const restored = await restoreBackup({
      db: tdb.owner,
      storage,
      keyring,
      ref: { tenantId: d.tenantId, backupId },
      target: { kind: 'new', slug: 'erase-d-copy' },
    });
    expect(restored.restored).toBe(true);
    const org = (slug: string) =>
      tdb.admin
        .selectFrom('organizations')
        .select(['tenantId', 'lockedAt', 'lockKind', 'deletionDueAt', 'deletionRequestedBy'])
        .where('slug', '=', slug)
        .executeTakeFirstOrThrow();
    expect(await org(d.slug)).toMatchObject({ lockKind: 'deletion', deletionRequestedBy: d.userIds[0] });
    const copy = await org('erase-d-copy');
    expect(copy).toMatchObject({ lockedAt: null, lockKind: null, deletionDueAt: null, deletionRequestedBy: null });
    // When the original falls due, only the original goes.
    await tdb.admin
      .updateTable('organizations')
      .set({
        deletionRequestedAt: sql<Date>`now() - interval '7 days 1 minute'`,
        deletionDueAt: sql<Date>`now() - interval '1 minute'`,
      })
      .where('tenantId', '=', d.tenantId)
      .execute();
    const erased = await eraseDueOrganizations(deps());
    expect(erased.map((o) => o.slug)).toEqual([d.slug]);
    expect((await rowCounts(copy.tenantId)).organizations).toBe(1);
  });
});
