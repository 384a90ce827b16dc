import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EXPIRED_UPLOAD_MESSAGE } from '@mfiq/api/imports';
import { sql, withTenant, type Database } from '@mfiq/db';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import type { JobHelpers } from 'graphile-worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryLogger } from '../testing/fixtures.ts';
import { createImportTenant, generateCsv, stageImport } from '../testing/imports.ts';
import { HOUSEKEEPING, housekeepingTask, runHousekeeping } from './housekeeping.ts';

let tdb: TestDatabase;
let dir: string;
let file: string;
beforeAll(async () => {
  tdb = await createTestDatabase();
  dir = mkdtempSync(path.join(tmpdir(), 'mfiq-housekeeping-'));
  file = path.join(dir, 'small.csv');
  await generateCsv(file, 2_000);
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await tdb.drop();
});

const asOwner = <T>(tenantId: string, fn: (trx: Parameters<Parameters<typeof withTenant>[2]>[0]) => Promise<T>) =>
  withTenant(tdb.owner, { tenantId }, fn);

async function idempotencyKey(tenantId: string, key: string, age: string) {
  await asOwner(tenantId, (trx) =>
    sql`insert into api_idempotency_keys (tenant_id, idempotency_key, request_hash, response, created_at)
        values (${tenantId}, ${key}, 'h', '{}'::jsonb, now() - ${age}::interval)`.execute(trx),
  );
}
async function keys(tenantId: string) {
  const rows = await asOwner(tenantId, (trx) =>
    trx
      .selectFrom('apiIdempotencyKeys')
      .select('idempotencyKey')
      .where('tenantId', '=', tenantId)
      .orderBy('idempotencyKey')
      .execute(),
  );
  return rows.map((r) => r.idempotencyKey);
}
async function upload(tenantId: string, opts: { started: boolean; age: string; status?: 'completed' }) {
  const id = await stageImport(tdb.app, tenantId, file, { started: opts.started });
  await asOwner(tenantId, (trx) =>
    sql`update imports set created_at = now() - ${opts.age}::interval, status = coalesce(${opts.status ?? null}::import_status, status)
         where tenant_id = ${tenantId} and id = ${id}`.execute(trx),
  );
  return id;
}
async function importState(tenantId: string, id: string) {
  return asOwner(tenantId, async (trx) => {
    const row = await trx
      .selectFrom('imports')
      .select(['status', 'error'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    const chunks = await trx
      .selectFrom('importChunks')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('importId', '=', id)
      .executeTakeFirstOrThrow();
    return { ...row, chunks: chunks.n };
  });
}
async function expiredEvents(db: Database, tenantId: string) {
  return withTenant(db, { tenantId }, (trx) =>
    trx
      .selectFrom('auditOutbox')
      .select(['action', 'actorType', 'actorDisplay', 'targetId', 'before', 'after'])
      .where('action', '=', 'import.expired')
      .execute(),
  );
}

describe('housekeeping, run as the worker role', () => {
  it('drops idempotency records past a week and expires uploads never started within a week, in every organization, touching nothing else', async () => {
    const a = await createImportTenant(tdb.owner);
    const b = await createImportTenant(tdb.owner);
    const quiet = await createImportTenant(tdb.owner);
    await idempotencyKey(a, 'a-old', '8 days');
    await idempotencyKey(a, 'a-recent', '6 days');
    await idempotencyKey(b, 'b-old', '30 days');
    await idempotencyKey(quiet, 'quiet-recent', '1 hour');
    const abandoned = await upload(a, { started: false, age: '8 days' });
    const waiting = await upload(a, { started: false, age: '2 days' });
    const queuedLongAgo = await upload(a, { started: true, age: '9 days' });
    const before = await importState(a, abandoned);
    expect(before).toMatchObject({ status: 'uploaded', error: null });
    expect(before.chunks).toBeGreaterThan(0);

    const result = await runHousekeeping(tdb.worker, { jobId: 'test' });
    expect(result).toEqual({ organizations: 2, idempotencyKeysDeleted: 2, uploadsExpired: 1 });

    expect(await keys(a)).toEqual(['a-recent']);
    expect(await keys(b)).toEqual([]);
    expect(await keys(quiet)).toEqual(['quiet-recent']);
    // The abandoned upload stays listed, says why it ended, and its bytes are gone.
    expect(await importState(a, abandoned)).toEqual({ status: 'failed', error: EXPIRED_UPLOAD_MESSAGE, chunks: 0 });
    expect((await importState(a, waiting)).status).toBe('uploaded');
    expect((await importState(a, waiting)).chunks).toBeGreaterThan(0);
    expect((await importState(a, queuedLongAgo)).status).toBe('queued');
    // Audited in the organization's own trail, as the system.
    expect(await expiredEvents(tdb.worker, a)).toEqual([
      {
        action: 'import.expired',
        actorType: 'system',
        actorDisplay: 'Housekeeping',
        targetId: abandoned,
        before: expect.objectContaining({ status: 'uploaded' }),
        after: { status: 'failed', error: EXPIRED_UPLOAD_MESSAGE },
      },
    ]);
    expect(await expiredEvents(tdb.worker, b)).toEqual([]);

    // Nothing left to do: a second run enters no organization.
    expect(await runHousekeeping(tdb.worker, { jobId: 'test' })).toEqual({
      organizations: 0,
      idempotencyKeysDeleted: 0,
      uploadsExpired: 0,
    });
  });

  it('a retried push after the window is a new batch: the key is free again', async () => {
    const a = await createImportTenant(tdb.owner);
    await idempotencyKey(a, 'nightly-2026-11-01', '10 days');
    await runHousekeeping(tdb.worker, { jobId: 'test' });
    await idempotencyKey(a, 'nightly-2026-11-01', '0 days');
    expect(await keys(a)).toEqual(['nightly-2026-11-01']);
  });

  it('the task logs what it did', async () => {
    const a = await createImportTenant(tdb.owner);
    await idempotencyKey(a, 'old', '8 days');
    const { logger, lines } = memoryLogger('info');
    await housekeepingTask({ db: tdb.worker, logger })({}, { job: { id: '42' } } as unknown as JobHelpers);
    expect(lines()).toContainEqual(
      expect.objectContaining({ task: HOUSEKEEPING, jobId: '42', idempotencyKeysDeleted: 1, uploadsExpired: 0 }),
    );
  });

  it('the web role cannot see which organizations have stale records', async () => {
    await expect(sql`select * from app_housekeeping_tenants(now(), now())`.execute(tdb.app)).rejects.toThrow(
      /permission denied/,
    );
  });
});
