import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sql } from '@mfiq/db';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drainAll } from '../audit/drain.ts';
import { insertOrg, insertOutbox } from '../testing/audit-fixtures.ts';
import { main } from './main.ts';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(() => tdb.drop());

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    argv,
    { WORKER_DATABASE_URL: tdb.urls.worker },
    { out: (l) => out.push(l), err: (l) => err.push(l) },
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('mfiq audit verify', () => {
  it('the installed binary verifies a chain (exit 0) and reports the first broken sequence (exit 1)', async () => {
    const org = await insertOrg(tdb.owner, 'cli');
    await insertOutbox(tdb.owner, org.tenantId, 9);
    await drainAll(tdb.worker);
    const bin = fileURLToPath(new URL('../../bin/mfiq.mjs', import.meta.url));
    const env = { PATH: process.env.PATH, WORKER_DATABASE_URL: tdb.urls.worker };
    const ok = spawnSync(process.execPath, [bin, 'audit', 'verify', '--org', org.slug], { env, encoding: 'utf8' });
    expect(ok.stdout).toContain('verified: 9 event(s), sequences 1..9');
    expect(ok.status).toBe(0);

    await sql`alter table audit_log disable trigger audit_log_append_only`.execute(tdb.admin);
    await sql`delete from audit_log where tenant_id = ${org.tenantId} and sequence = 3`.execute(tdb.admin);
    await sql`alter table audit_log enable trigger audit_log_append_only`.execute(tdb.admin);
    const broken = spawnSync(process.execPath, [bin, 'audit', 'verify', '--org', org.slug], { env, encoding: 'utf8' });
    expect(broken.stdout).toContain('broken at sequence 3');
    expect(broken.status).toBe(1);
    const json = await run(['audit', 'verify', '--org', org.slug, '--json']);
    expect(JSON.parse(json.out)).toMatchObject({ org: org.slug, status: 'broken', sequence: 3 });
  });

  it('usage errors exit 2 with a message naming the problem', async () => {
    expect(await run(['audit', 'verify'])).toMatchObject({
      code: 2,
      err: expect.stringContaining('--org is required'),
    });
    expect(await run(['audit', 'verify', '--org', 'no-such-org'])).toMatchObject({
      code: 2,
      err: expect.stringContaining('no organization with the slug "no-such-org"'),
    });
    expect(await run(['audit', 'verify', '--org', 'Bad Slug!'])).toMatchObject({
      code: 2,
      err: expect.stringContaining('not an organization slug'),
    });
    expect(await run(['audit', 'verify', '--org', 'x', '--bogus'])).toMatchObject({
      code: 2,
      err: expect.stringContaining('bogus'),
    });
    expect(await run(['frobnicate'])).toMatchObject({
      code: 2,
      err: expect.stringContaining('audit verify --org ORG'),
    });
    const noEnv = await main(['audit', 'verify', '--org', 'x'], {}, { out: () => {}, err: () => {} });
    expect(noEnv).toBe(2);
  });
});
