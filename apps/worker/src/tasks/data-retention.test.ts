import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FsStorage, generateKeyring } from '@mfiq/backup';
import { sql, withNewTenant, withTenant } from '@mfiq/db';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertUser, memoryLogger } from '../testing/fixtures.ts';
import { performBackup } from './backup.ts';
import { applyDataRetention } from './data-retention.ts';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(() => tdb.drop());

/** An organization with one metric and a point per day over the last `days` days. */
async function organization(label: string, days: number, settings: Record<string, number | null> = {}) {
  const tenantId = randomUUID();
  const userId = await insertUser(tdb.owner);
  const metricId = randomUUID();
  await withNewTenant(tdb.owner, { tenantId }, async (trx) => {
    await trx
      .insertInto('organizations')
      .values({ tenantId, slug: `${label}-${tenantId.slice(0, 6)}`, name: label, ...settings })
      .execute();
    await trx.insertInto('memberships').values({ tenantId, userId, role: 'owner' }).execute();
    await trx.insertInto('metrics').values({ tenantId, id: metricId, key: 'revenue', name: 'Revenue' }).execute();
    await sql`insert into data_points (tenant_id, metric_id, ts, value)
      select ${tenantId}, ${metricId}, now() - make_interval(days => g) + interval '1 hour', g
        from generate_series(1, ${days}::int) g`.execute(trx);
  });
  return tenantId;
}

const counts = async (tenantId: string) =>
  (
    await sql<{ points: number; rollups: number; oldest: Date }>`
      select (select count(*)::int from data_points where tenant_id = ${tenantId}) as points,
             (select count(*)::int from metric_daily_rollups where tenant_id = ${tenantId}) as rollups,
             (select min(ts) from data_points where tenant_id = ${tenantId}) as oldest`.execute(tdb.admin)
  ).rows[0]!;

describe('retention settings, applied nightly by the worker', () => {
  it("deletes data points past the organization's own period, keeps its rollups in step, audits, and touches no one else", async () => {
    const limited = await organization('limited', 100, { dataRetentionDays: 30 });
    const unlimited = await organization('unlimited', 100);
    const { logger } = memoryLogger();
    const result = await applyDataRetention(tdb.worker, logger);
    expect(result).toEqual({ organizations: 1, points: 70 });
    const after = await counts(limited);
    expect(after.points).toBe(30);
    expect(after.rollups).toBe(30);
    expect(after.oldest.getTime()).toBeGreaterThan(Date.now() - 30 * 86_400_000);
    expect((await counts(unlimited)).points).toBe(100);
    const events = await tdb.admin
      .selectFrom('auditOutbox')
      .select(['action', 'after', 'actorType'])
      .where('tenantId', '=', limited)
      .execute();
    expect(events).toEqual([
      { action: 'data.points_expired', actorType: 'system', after: { points: 70, olderThanDays: 30 } },
    ]);
    // Nothing left to do: the next night is a no-op.
    expect(await applyDataRetention(tdb.worker, logger)).toEqual({ organizations: 0, points: 0 });
  });

  it('the worker can delete no point younger than the setting, and none of an organization without one', async () => {
    const none = await organization('none', 10);
    const n = await withTenant(tdb.worker, { tenantId: none }, (trx) =>
      sql<{ n: number }>`select app_expire_data_points(50000) as n`.execute(trx),
    );
    expect(n.rows[0]!.n).toBe(0);
    const direct = await withTenant(tdb.worker, { tenantId: none }, (trx) =>
      sql`delete from data_points where tenant_id = ${none}`.execute(trx),
    ).catch((e: { code?: string }) => e.code);
    expect(direct).toBe('42501');
    expect((await counts(none)).points).toBe(10);
  });

  it("prunes backups to the organization's chosen count, within the operator's bounds", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mfiq-retention-'));
    try {
      const storage = new FsStorage(dir);
      const keyring = generateKeyring('k1');
      const { logger } = memoryLogger();
      const tenantId = await organization('backups', 1, { backupKeepDaily: 1, backupKeepWeekly: 0 });
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const backupId = randomUUID();
        ids.push(backupId);
        await withTenant(tdb.worker, { tenantId }, (trx) =>
          trx.insertInto('backups').values({ tenantId, id: backupId, kind: 'manual' }).execute(),
        );
        await performBackup(
          {
            db: tdb.worker,
            logger,
            backups: { storage, keyring, retention: { daily: 7, weekly: 4 }, retentionMax: { daily: 30, weekly: 8 } },
          },
          tenantId,
          backupId,
        );
      }
      const kept = await tdb.admin.selectFrom('backups').select('id').where('tenantId', '=', tenantId).execute();
      expect(kept.map((b) => b.id)).toEqual([ids[2]]);
      expect((await storage.list(`${tenantId}/`)).length).toBe(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
