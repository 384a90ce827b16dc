import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { withNewTenant } from '@mfiq/db';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertUser } from '../../testing/fixtures.ts';
import { main } from '../main.ts';
import { templateNames } from '../notification-templates.ts';

let tdb: TestDatabase;
let tenantId: string;
const slug = `notified-${randomUUID().slice(0, 6)}`;
const emails: Record<string, string> = {};

beforeAll(async () => {
  tdb = await createTestDatabase();
  tenantId = randomUUID();
  const users: Record<string, string> = {};
  for (const role of ['owner', 'admin', 'editor', 'viewer'] as const) {
    users[role] = await insertUser(tdb.owner);
    emails[role] = (
      await tdb.owner.selectFrom('users').select('email').where('id', '=', users[role]).executeTakeFirstOrThrow()
    ).email;
  }
  await withNewTenant(tdb.owner, { tenantId }, async (trx) => {
    await trx.insertInto('organizations').values({ tenantId, slug, name: 'Notified Org' }).execute();
    for (const role of ['owner', 'admin', 'editor', 'viewer'] as const)
      await trx.insertInto('memberships').values({ tenantId, userId: users[role]!, role }).execute();
  });
});
afterAll(() => tdb.drop());

async function mfiq(argv: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    argv,
    { DATABASE_URL: tdb.urls.owner, SECURITY_CONTACT: 'security@example.test', MFIQ_OPERATOR: 'oncall', ...env },
    { out: (l) => out.push(l), err: (l) => err.push(l) },
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const FIELDS = [
  '--set',
  'summary=A stolen admin session was used to read dashboards.',
  '--set',
  'detected_at=2026-12-01 14:20 UTC',
  '--set',
  'data_involved=Metric names and values of two dashboards.',
  '--set',
  'actions_taken=We ended every session of the organization.',
  '--set',
  'recommendations=Ask your admins to sign in again and turn on two-factor.',
  '--set',
  'next_update=2026-12-03',
];

const sent = () =>
  tdb.admin
    .selectFrom('emailOutbox')
    .selectAll()
    .where('kind', '=', 'incident_notification')
    .orderBy('toAddress')
    .execute();

describe('mfiq notify', () => {
  it('mails the owners and admins from a reviewed template, audited; a dry run writes nothing', async () => {
    const dry = await mfiq(['notify', '--org', slug, '--template', 'security-incident', '--dry-run', ...FIELDS]);
    expect(dry.code).toBe(0);
    expect(dry.out).toContain(
      `DRY RUN: nothing sent or recorded. Would mail 2 recipient(s): ${emails.owner} (owner), ${emails.admin} (admin)`,
    );
    expect(dry.out).toContain('Subject: Security incident affecting Notified Org on Metric Flow IQ');
    expect(dry.out).toContain('What happened: A stolen admin session was used to read dashboards.');
    expect(dry.out).toContain('write to security@example.test');
    expect(await sent()).toEqual([]);

    const real = await mfiq(['notify', '--org', slug, '--template', 'security-incident', ...FIELDS]);
    expect(real.code).toBe(0);
    const mails = await sent();
    expect(mails.map((m) => m.toAddress).sort()).toEqual([emails.admin, emails.owner].sort());
    for (const m of mails) {
      expect(m.organizationId).toBe(tenantId);
      expect(m.textBody).not.toMatch(/\{\{/);
      expect(m.textBody).toContain('/orgs/' + slug);
    }
    const events = await tdb.admin
      .selectFrom('auditOutbox')
      .selectAll()
      .where('tenantId', '=', tenantId)
      .where('action', '=', 'organization.notified')
      .execute();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      actorType: 'system',
      actorDisplay: 'operator:oncall',
      after: { template: 'security-incident', recipients: expect.arrayContaining([emails.owner, emails.admin]) },
    });
  });

  it('refuses a template that is not reviewed, a missing or unknown field, and no security contact', async () => {
    const before = (await sent()).length;
    expect(await mfiq(['notify', '--org', slug, '--template', 'made-up'])).toMatchObject({
      code: 2,
      err: expect.stringContaining('the reviewed templates are: security-incident, security-incident-resolved'),
    });
    expect(
      await mfiq(['notify', '--org', slug, '--template', 'security-incident', ...FIELDS.slice(0, 2)]),
    ).toMatchObject({
      code: 2,
      err: expect.stringContaining('needs --set for: detected_at, data_involved'),
    });
    expect(
      await mfiq(['notify', '--org', slug, '--template', 'security-incident', ...FIELDS, '--set', 'extra=x']),
    ).toMatchObject({ code: 2, err: expect.stringContaining('has no placeholder extra') });
    expect(
      await mfiq(['notify', '--org', slug, '--template', 'security-incident', ...FIELDS], { SECURITY_CONTACT: '' }),
    ).toMatchObject({ code: 2, err: expect.stringContaining('SECURITY_CONTACT is required') });
    expect((await sent()).length).toBe(before);
  });

  it("the runbook's notification step names the deadline and every template", async () => {
    const runbook = await readFile(fileURLToPath(new URL('../../../../../docs/runbook.md', import.meta.url)), 'utf8');
    const step = runbook.slice(runbook.indexOf('### 4. Notify'), runbook.indexOf('### 5. Recover'));
    expect(step).toContain('**within 72 hours** of an incident being confirmed');
    expect(step).toContain('again when it is resolved');
    for (const name of await templateNames()) expect(step).toContain(`--template ${name}`);
  });
});
