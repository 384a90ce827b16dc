import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FsStorage, generateKeyring, objectKeys } from '@mfiq/backup';
import { seedOrganization, type SeededOrg } from '@mfiq/backup/testing';
import { sql, withTenant } from '@mfiq/db';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryLogger } from '../testing/fixtures.ts';
import { performBackup } from './backup.ts';
import { runDrill, runDrills, type DrillDeps } from './restore-drills.ts';

let tdb: TestDatabase;
let root: string;
let storage: FsStorage;
const keyring = generateKeyring('k1');
const OPERATOR = 'ops@example.test';

beforeAll(async () => {
  tdb = await createTestDatabase();
  root = await mkdtemp(path.join(tmpdir(), 'mfiq-drills-'));
  storage = new FsStorage(root);
});
afterAll(async () => {
  await tdb.drop();
  await rm(root, { recursive: true, force: true });
});

async function backedUp(label: string): Promise<SeededOrg & { backupId: string }> {
  const org = await seedOrganization(tdb.owner, label);
  const backupId = randomUUID();
  await withTenant(tdb.worker, { tenantId: org.tenantId }, (trx) =>
    trx.insertInto('backups').values({ tenantId: org.tenantId, id: backupId, kind: 'scheduled' }).execute(),
  );
  const { logger } = memoryLogger();
  await performBackup(
    { db: tdb.worker, logger, backups: { storage, keyring, retention: { daily: 7, weekly: 4 } } },
    org.tenantId,
    backupId,
  );
  return { ...org, backupId };
}

function deps(sample = 0) {
  const log = memoryLogger();
  const d: DrillDeps = { db: tdb.worker, logger: log.logger, storage, keyring, sample, operatorEmail: OPERATOR };
  return { deps: d, lines: log.lines };
}

const drillsOf = (tenantId: string) =>
  tdb.admin.selectFrom('restoreDrills').selectAll().where('tenantId', '=', tenantId).orderBy('finishedAt').execute();

describe('nightly restore drills, as the worker role', () => {
  it('restores the latest backup, records that it matched the source, and audits it', async () => {
    const org = await backedUp('drill-ok');
    const { deps: d, lines } = deps();
    const record = await runDrill(d, org.tenantId, 'scheduled');
    expect(record).toMatchObject({ status: 'passed', backupId: org.backupId, error: null });
    expect(record.tables).toBeGreaterThan(10);
    const [row] = await drillsOf(org.tenantId);
    expect(row).toMatchObject({ status: 'passed', trigger: 'scheduled', backupId: org.backupId, mismatches: [] });
    const events = await tdb.admin
      .selectFrom('auditOutbox')
      .select(['action', 'targetId'])
      .where('tenantId', '=', org.tenantId)
      .where('action', 'like', 'restore_drill.%')
      .execute();
    expect(events).toEqual([{ action: 'restore_drill.passed', targetId: org.backupId }]);
    expect(lines().some((l) => l.alert)).toBe(false);
  });

  it('detects a corrupted backup: a failed drill, an operator alert (log, mail, metric)', async () => {
    const org = await backedUp('drill-corrupt');
    const file = path.join(root, objectKeys(org.tenantId, org.backupId).data);
    const bytes = await readFile(file);
    bytes[bytes.length - 100]! ^= 0xff;
    await writeFile(file, bytes);
    const { deps: d, lines } = deps();
    const record = await runDrill(d, org.tenantId, 'scheduled');
    expect(record.status).toBe('failed');
    expect(record.error).toMatch(/failed authentication/);
    expect(lines()).toContainEqual(
      expect.objectContaining({ level: 50, alert: true, org: org.slug, backupId: org.backupId }),
    );
    const mail = await tdb.admin
      .selectFrom('emailOutbox')
      .selectAll()
      .where('toAddress', '=', OPERATOR)
      .where('kind', '=', 'operator_alert')
      .executeTakeFirstOrThrow();
    expect(mail.subject).toBe(`[alert] Restore drill failed for ${org.slug}`);
    const status = await sql<{ slug: string; lastPassed: boolean }>`
      select slug, last_passed from app_restore_drill_status()`.execute(tdb.app);
    expect(status.rows).toContainEqual({ slug: org.slug, lastPassed: false });
  });

  it('drills a rotating sample: the organizations drilled least recently first', async () => {
    // Everything drilled so far is "older"; three new organizations have never been drilled.
    const fresh = [await backedUp('rot-1'), await backedUp('rot-2'), await backedUp('rot-3')];
    const first = await runDrills(deps(2).deps);
    expect(first).toHaveLength(2);
    const drilled = new Set<string>();
    for (const org of fresh) if ((await drillsOf(org.tenantId)).length) drilled.add(org.tenantId);
    expect(drilled.size).toBe(2);
    const [next] = await runDrills(deps(1).deps);
    const left = fresh.find((o) => !drilled.has(o.tenantId))!;
    expect((await drillsOf(left.tenantId)).map((r) => r.id)).toEqual([next!.id]);
  });

  it('an organization without a finished backup is not drilled; one asked for by an operator fails clearly', async () => {
    const org = await seedOrganization(tdb.owner, 'nobackup');
    const { rows } = await sql<{
      tenantId: string;
    }>`select tenant_id from app_restore_drill_candidates(100000)`.execute(tdb.worker);
    expect(rows.map((r) => r.tenantId)).not.toContain(org.tenantId);
    const record = await runDrill(deps().deps, org.tenantId, 'operator');
    expect(record).toMatchObject({ status: 'failed', backupId: null, error: 'No finished backup to restore.' });
  });
});
