import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FsStorage, generateKeyring, keyringSpec, runBackup } from '@mfiq/backup';
import { withTenant } from '@mfiq/db';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, signUpOverHttp, startWeb, type RunningWeb } from './harness.ts';

let tdb: TestDatabase;
let web: RunningWeb;
let dir: string;
const keyring = generateKeyring('web1');

beforeAll(async () => {
  await ensureBuilt();
  tdb = await createTestDatabase();
  dir = await mkdtemp(path.join(os.tmpdir(), 'mfiq-web-backups-'));
  web = await startWeb({ APP_DATABASE_URL: tdb.urls.app, BACKUP_DIR: dir, BACKUP_KEYS: keyringSpec(keyring) });
}, 240_000);

afterAll(async () => {
  await web?.stop();
  await tdb?.drop();
  await rm(dir, { recursive: true, force: true });
});

const get = (p: string, cookie: string) => fetch(`${web.url}${p}`, { redirect: 'manual', headers: { cookie } });
const post = (p: string, cookie: string, origin = web.url) =>
  fetch(`${web.url}${p}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, origin, 'content-type': 'application/x-www-form-urlencoded' },
    body: '',
  });
const tenantOf = async (slug: string) =>
  (await tdb.admin.selectFrom('organizations').select('tenantId').where('slug', '=', slug).executeTakeFirstOrThrow())
    .tenantId;

describe('/orgs/:slug/backups', () => {
  it('an owner starts a backup, sees it, and downloads the export as a zip (audited)', async () => {
    const owner = await signUpOverHttp(web.url, 'backup-owner', tdb);
    const empty = await get(`/orgs/${owner.slug}/backups`, owner.cookie);
    expect(empty.status).toBe(200);
    expect(await empty.text()).toContain('No backups yet');

    expect((await post(`/orgs/${owner.slug}/backups`, owner.cookie)).status).toBe(200);
    const queued = await tdb.admin
      .selectFrom('backups')
      .selectAll()
      .where('tenantId', '=', await tenantOf(owner.slug))
      .executeTakeFirstOrThrow();
    expect(queued).toMatchObject({ kind: 'manual', status: 'queued' });
    expect(await (await get(`/orgs/${owner.slug}/backups`, owner.cookie)).text()).toContain('Backup in progress');

    // The worker's part, done here directly: the backup itself, then its row marked finished.
    const tenantId = queued.tenantId;
    const result = await runBackup({
      db: tdb.worker,
      storage: new FsStorage(dir),
      keyring,
      tenantId,
      backupId: queued.id,
    });
    await tdb.admin
      .updateTable('backups')
      .set({ status: 'succeeded', bytes: result.bytes, rowsDone: 3, rowsTotal: 3 })
      .where('id', '=', queued.id)
      .execute();
    const page = await (await get(`/orgs/${owner.slug}/backups`, owner.cookie)).text();
    expect(page).toContain('Complete');
    expect(page).toContain(`/orgs/${owner.slug}/backups/${queued.id}/download`);

    const download = await post(`/orgs/${owner.slug}/backups/${queued.id}/download`, owner.cookie);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/zip');
    expect(download.headers.get('content-disposition')).toMatch(
      new RegExp(`^attachment; filename="${owner.slug}-export-\\d{8}-\\d{4}\\.zip"$`),
    );
    const zip = Buffer.from(await download.arrayBuffer());
    expect(zip.subarray(0, 2).toString()).toBe('PK');
    for (const name of ['manifest.json', 'organizations.ndjson', 'memberships.ndjson', 'audit_outbox.ndjson'])
      expect(zip.includes(Buffer.from(name)), name).toBe(true);
    const events = await tdb.admin
      .selectFrom('auditOutbox')
      .select(['action', 'targetId'])
      .where('action', '=', 'backup.exported')
      .where('tenantId', '=', tenantId)
      .execute();
    expect(events).toEqual([{ action: 'backup.exported', targetId: queued.id }]);
  });

  it('a viewer and a member of another organization can neither see backups nor download', async () => {
    const owner = await signUpOverHttp(web.url, 'backup-guarded', tdb);
    const tenantId = await tenantOf(owner.slug);
    const backup = await tdb.admin
      .insertInto('backups')
      .values({ tenantId, kind: 'scheduled', status: 'succeeded' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const viewer = await signUpOverHttp(web.url, 'backup-viewer', tdb);
    const viewerId = (
      await tdb.admin.selectFrom('users').select('id').where('email', '=', viewer.email).executeTakeFirstOrThrow()
    ).id;
    await withTenant(tdb.owner, { tenantId }, (trx) =>
      trx.insertInto('memberships').values({ tenantId, userId: viewerId, role: 'viewer' }).execute(),
    );
    const outsider = await signUpOverHttp(web.url, 'backup-outsider', tdb);

    expect((await get(`/orgs/${owner.slug}/backups`, viewer.cookie)).status).toBe(403);
    expect((await post(`/orgs/${owner.slug}/backups/${backup.id}/download`, viewer.cookie)).status).toBe(403);
    expect(await (await get(`/orgs/${owner.slug}`, viewer.cookie)).text()).not.toContain(`/orgs/${owner.slug}/backups`);
    expect((await get(`/orgs/${owner.slug}/backups`, outsider.cookie)).status).toBe(404);
    expect((await post(`/orgs/${owner.slug}/backups/${backup.id}/download`, outsider.cookie)).status).toBe(404);
    // The owner, from another site: refused by the same-origin check before anything runs.
    expect(
      (await post(`/orgs/${owner.slug}/backups/${backup.id}/download`, owner.cookie, 'https://evil.example')).status,
    ).toBe(403);
    const events = await tdb.admin
      .selectFrom('auditOutbox')
      .select('id')
      .where('action', '=', 'backup.exported')
      .where('tenantId', '=', tenantId)
      .execute();
    expect(events).toEqual([]);
  });
});
