import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { signCheckpoint, sql, withNewTenant, withTenant } from '@mfiq/db';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { ALL_CLAIMS } from './claims.ts';
import { collectEvidence, evidenceZip, type EvidencePack } from './pack.ts';
import { readTestReport } from './test-report.ts';

let tdb: TestDatabase;
let dir: string;
const tenantId = randomUUID();
const key = randomBytes(32);

beforeAll(async () => {
  tdb = await createTestDatabase();
  dir = await mkdtemp(path.join(tmpdir(), 'mfiq-evidence-'));
  await withNewTenant(tdb.owner, { tenantId }, async (trx) => {
    await trx
      .insertInto('organizations')
      .values({ tenantId, slug: 'evidence-org', name: 'Evidence Org', requireTwoFactor: true, dataRetentionDays: 400 })
      .execute();
    const hash = randomBytes(32);
    // A checkpoint names a real, expired event of the chain by its sequence and hash (0026).
    await sql`insert into audit_log (tenant_id, id, sequence, occurred_at, recorded_at, action, outcome, actor_type, prev_hash, hash)
      values (${tenantId}, gen_random_uuid(), 5, now() - interval '400 days', now(), 'organization.created', 'success', 'system', sha256('p'), ${hash})`.execute(
      trx,
    );
    await trx
      .insertInto('auditCheckpoints')
      .values({
        tenantId,
        sequence: 5,
        hash,
        purgedRows: 5,
        keyId: 'k',
        signature: signCheckpoint(key, { tenantId, sequence: 5, hash }),
      })
      .execute();
    await trx
      .insertInto('restoreDrills')
      .values({
        tenantId,
        backupId: randomUUID(),
        trigger: 'scheduled',
        status: 'passed',
        startedAt: new Date('2026-12-01T04:30:00Z'),
        finishedAt: new Date('2026-12-01T04:30:05Z'),
        tables: 22,
        rows: 1234,
      })
      .execute();
  });
});
afterAll(async () => {
  await tdb.drop();
  await rm(dir, { recursive: true, force: true });
});

async function unzip(stream: Readable): Promise<Record<string, string>> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  const buf = Buffer.concat(chunks);
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buf, { lazyEntries: true }, (err, zip) => {
      if (err) return reject(err);
      const out: Record<string, string> = {};
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e, s) => {
          if (e) return reject(e);
          const parts: Buffer[] = [];
          s.on('data', (d: Buffer) => parts.push(d));
          s.on('end', () => {
            out[entry.fileName] = Buffer.concat(parts).toString('utf8');
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(out));
      zip.readEntry();
    });
  });
}

describe('the evidence pack', () => {
  it('holds the RLS catalog, roles, audit chain, last drill, policy and every claim with its last CI result', async () => {
    const [first, second] = ALL_CLAIMS;
    const report = path.join(dir, 'report.json');
    const result = (claim: typeof first, status: string) => ({
      name: `/ci/checkout/${claim!.proof.file}`,
      assertionResults: [
        {
          ancestorTitles: claim!.proof.test.split(' > ').slice(0, -1),
          title: claim!.proof.test.split(' > ').at(-1),
          status,
        },
      ],
    });
    await writeFile(
      report,
      JSON.stringify({
        startTime: Date.parse('2026-12-05T10:00:00Z'),
        success: false,
        numTotalTests: 2,
        numFailedTests: 1,
        testResults: [result(first, 'passed'), result(second, 'failed')],
      }),
    );
    const { report: parsed } = await readTestReport(report);
    const pack = await withTenant(tdb.app, { tenantId }, (trx) =>
      collectEvidence(trx, {
        tenantId,
        generatedAt: new Date('2026-12-06T09:00:00Z'),
        generatedBy: 'owner@example.test',
        report: parsed,
        reportMissing: null,
      }),
    );
    const files = await unzip(evidenceZip(pack, new Date()));
    expect(Object.keys(files).sort()).toEqual([
      'README.txt',
      'audit-chain.json',
      'claims.json',
      'manifest.json',
      'organization.json',
      'restore-drill.json',
      'rls-catalog.json',
      'roles.json',
      'security-policy.json',
    ]);
    const json = (name: string) => JSON.parse(files[name]!) as EvidencePack & Record<string, never>;
    const rls = json('rls-catalog.json') as unknown as {
      allTenantTablesForced: boolean;
      tables: { table: string; rlsForced: boolean; tenantIsolation: boolean }[];
    };
    expect(rls.allTenantTablesForced).toBe(true);
    expect(rls.tables.map((t) => t.table)).toEqual(
      expect.arrayContaining(['organizations', 'audit_log', 'backup_keys']),
    );
    const roles = (
      json('roles.json') as unknown as { roles: { role: string; superuser: boolean; bypassRls: boolean }[] }
    ).roles;
    expect(roles.find((r) => r.role === 'mfiq_app')).toMatchObject({
      superuser: false,
      bypassRls: false,
      ownsTables: 0,
    });
    const chain = json('audit-chain.json') as unknown as {
      lastCheckpoint: { sequence: number; signatureChecked: string; keyId: string };
    };
    expect(chain.lastCheckpoint).toMatchObject({
      sequence: 5,
      keyId: 'k',
      signatureChecked: expect.stringMatching(/^unchecked/),
    });
    expect(json('restore-drill.json')).toMatchObject({ last: { status: 'passed', tables: 22, rows: 1234 } });
    expect(json('security-policy.json')).toMatchObject({ requireTwoFactor: true, retention: { dataPointDays: 400 } });
    const claims = json('claims.json') as unknown as {
      testReport: { success: boolean; startedAt: string };
      claims: { id: string; provenBy: { file: string; test: string }; lastResultInCi: string }[];
    };
    expect(claims.testReport).toMatchObject({ success: false, startedAt: '2026-12-05T10:00:00.000Z' });
    expect(claims.claims).toHaveLength(ALL_CLAIMS.length);
    expect(claims.claims[0]).toMatchObject({ id: first!.id, provenBy: first!.proof, lastResultInCi: 'passed' });
    expect(claims.claims[1]).toMatchObject({ id: second!.id, lastResultInCi: 'failed' });
    expect(claims.claims[2]!.lastResultInCi).toBe('not in the report');
    const manifest = json('manifest.json') as unknown as Record<string, string>;
    expect(Object.keys(manifest).sort()).toEqual(
      Object.keys(files)
        .filter((f) => f !== 'manifest.json')
        .sort(),
    );
  });

  it("with the operators' checkpoint key the checkpoint's signature is checked; without a report it says so", async () => {
    const missing = await readTestReport(path.join(dir, 'nowhere.json'));
    expect(missing.report).toBeNull();
    const pack = await withTenant(tdb.owner, { tenantId }, (trx) =>
      collectEvidence(trx, {
        tenantId,
        generatedAt: new Date(),
        generatedBy: 'operator:test',
        checkpointKey: key,
        report: null,
        reportMissing: missing.why,
      }),
    );
    expect(pack['audit-chain.json']).toMatchObject({ lastCheckpoint: { signatureChecked: 'valid' } });
    expect(pack['claims.json']).toMatchObject({ testReport: { missing: expect.stringMatching(/no test report at/) } });
    expect(
      (pack['claims.json'] as { claims: { lastResultInCi: string }[] }).claims.every(
        (c) => c.lastResultInCi === 'no report',
      ),
    ).toBe(true);
  });

  it("never shows another organization's rows: everything organization-specific is read under its tenant", async () => {
    const other = randomUUID();
    await withNewTenant(tdb.owner, { tenantId: other }, (trx) =>
      trx.insertInto('organizations').values({ tenantId: other, slug: 'evidence-other', name: 'Other' }).execute(),
    );
    const pack = await withTenant(tdb.app, { tenantId: other }, (trx) =>
      collectEvidence(trx, {
        tenantId: other,
        generatedAt: new Date(),
        generatedBy: 'x',
        report: null,
        reportMissing: 'none',
      }),
    );
    expect(pack['restore-drill.json']).toEqual({ last: null, lastPassed: null });
    expect(pack['audit-chain.json']).toMatchObject({ lastCheckpoint: null });
    await expect(
      withTenant(tdb.app, { tenantId: other }, (trx) =>
        collectEvidence(trx, {
          tenantId,
          generatedAt: new Date(),
          generatedBy: 'x',
          report: null,
          reportMissing: 'none',
        }),
      ),
    ).rejects.toThrow();
  });
});
