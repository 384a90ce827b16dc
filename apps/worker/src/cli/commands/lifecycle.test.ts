import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FsStorage, generateKeyring, keyringSpec, objectKeys, runBackup } from '@mfiq/backup';
import { seedOrganization, type SeededOrg } from '@mfiq/backup/testing';
import { withTenant } from '@mfiq/db';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { main } from '../main.ts';

let tdb: TestDatabase;
let dir: string;
let org: SeededOrg;
const keyring = generateKeyring('k1');

beforeAll(async () => {
  tdb = await createTestDatabase();
  dir = await mkdtemp(path.join(tmpdir(), 'mfiq-cli-lifecycle-'));
  org = await seedOrganization(tdb.owner, 'cli-life');
  const backupId = randomUUID();
  await withTenant(tdb.worker, { tenantId: org.tenantId }, (trx) =>
    trx
      .insertInto('backups')
      .values({ tenantId: org.tenantId, id: backupId, kind: 'manual', status: 'succeeded' })
      .execute(),
  );
  await runBackup({
    db: tdb.worker,
    storage: new FsStorage(path.join(dir, 'backups')),
    keyring,
    tenantId: org.tenantId,
    backupId,
  });
});
afterAll(async () => {
  await tdb.drop();
  await rm(dir, { recursive: true, force: true });
});

async function mfiq(argv: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    argv,
    {
      DATABASE_URL: tdb.urls.owner,
      WORKER_DATABASE_URL: tdb.urls.worker,
      BACKUP_DIR: path.join(dir, 'backups'),
      BACKUP_KEYS: keyringSpec(keyring),
      MFIQ_OPERATOR: 'oncall',
      ...env,
    },
    { out: (l) => out.push(l), err: (l) => err.push(l) },
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function entries(file: string): Promise<string[]> {
  return new Promise((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true }, (e, zip) => {
      if (e) return reject(e);
      const names: string[] = [];
      zip.on('entry', (entry: yauzl.Entry) => {
        names.push(entry.fileName);
        zip.readEntry();
      });
      zip.on('end', () => resolve(names.sort()));
      zip.readEntry();
    }),
  );
}

describe('mfiq drill run', () => {
  it('restores the latest backup into scratch tables now, records it (exit 0), and fails on damage (exit 1)', async () => {
    const ok = await mfiq(['drill', 'run', '--org', org.slug]);
    expect(ok.out).toMatch(
      /^passed: backup .* restored into scratch tables, \d+ tables and \d+ rows equal to the source/,
    );
    expect(ok.code).toBe(0);
    const drills = await tdb.admin
      .selectFrom('restoreDrills')
      .select(['trigger', 'status'])
      .where('tenantId', '=', org.tenantId)
      .execute();
    expect(drills).toEqual([{ trigger: 'operator', status: 'passed' }]);
    // Damage the data file: the drill fails, and says why.
    const backup = await tdb.admin
      .selectFrom('backups')
      .select('id')
      .where('tenantId', '=', org.tenantId)
      .executeTakeFirstOrThrow();
    const file = path.join(dir, 'backups', objectKeys(org.tenantId, backup.id).data);
    const bytes = await readFile(file);
    bytes[100]! ^= 1;
    await writeFile(file, bytes);
    const bad = await mfiq(['drill', 'run', '--org', org.slug, '--json']);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.out)).toMatchObject({
      org: org.slug,
      status: 'failed',
      error: expect.stringMatching(/authentication/),
    });
    expect(await mfiq(['drill', 'run', '--org', 'no-such-org'])).toMatchObject({ code: 2 });
  });
});

describe('mfiq evidence export', () => {
  it('writes the evidence pack (mode 600, never overwriting) and records the export', async () => {
    const out = path.join(dir, 'evidence.zip');
    const run = await mfiq(['evidence', 'export', '--org', org.slug, '--out', out], {
      TEST_REPORT_FILE: path.join(dir, 'no-report.json'),
    });
    expect(run.code).toBe(0);
    expect(run.out).toBe(`Wrote the security evidence of ${org.slug} to ${out}.`);
    expect(run.err).toContain('no test report at');
    expect((await stat(out)).mode & 0o777).toBe(0o600);
    expect(await entries(out)).toEqual([
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
    expect((await mfiq(['evidence', 'export', '--org', org.slug, '--out', out])).code).toBe(1);
    const events = await tdb.admin
      .selectFrom('auditOutbox')
      .select(['actorDisplay'])
      .where('tenantId', '=', org.tenantId)
      .where('action', '=', 'evidence.exported')
      .execute();
    expect(events).toEqual([{ actorDisplay: 'operator:oncall' }]);
  });
});

describe('mfiq contact list', () => {
  it('lists contact messages newest first, filtered by topic, and records that they were read', async () => {
    await tdb.app
      .insertInto('contactMessages')
      .values([
        {
          name: 'Ada',
          email: 'ada@example.test',
          topic: 'security',
          message: 'XSS in the dashboard title.\nSteps: ...',
        },
        { name: 'Bob', email: 'bob@example.test', topic: 'sales', message: 'Pricing for 50 seats?' },
      ])
      .execute();
    const run = await mfiq(['contact', 'list', '--topic', 'security']);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/\[security\] {2}Ada <ada@example.test>/);
    expect(run.out).toContain('    XSS in the dashboard title.');
    expect(run.out).not.toContain('Bob');
    const json = await mfiq(['contact', 'list', '--json']);
    expect(
      json.out
        .split('\n')
        .map((l) => (JSON.parse(l) as { name: string }).name)
        .sort(),
    ).toEqual(['Ada', 'Bob']);
    expect(await mfiq(['contact', 'list', '--topic', 'gossip'])).toMatchObject({ code: 2 });
    const events = await tdb.admin
      .selectFrom('platformAuditOutbox')
      .select(['actorDisplay', 'after'])
      .where('action', '=', 'contact_messages.listed')
      .execute();
    expect(events[0]).toMatchObject({ actorDisplay: 'operator:oncall', after: { topic: 'security', shown: 1 } });
  });
});
