import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { memoryLogger } from '../testing/fixtures.ts';
import { createMailer, sendPendingEmails, type Mailer, type OutgoingMail } from './send-emails.ts';

let tdb: TestDatabase;
let dir: string;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(() => tdb.drop());
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mfiq-mailbox-'));
  await tdb.owner.deleteFrom('emailOutbox').execute();
  return () => rm(dir, { recursive: true, force: true });
});

/** Queued as the web does it: the app role may only insert. */
async function queue(to: string, text = 'Open https://example.test/reset-password/abc') {
  await tdb.app
    .insertInto('emailOutbox')
    .values({ kind: 'password_reset', toAddress: to, subject: 'Reset', textBody: text })
    .execute();
}

describe('sendPendingEmails, as the worker role', () => {
  it('delivers to the dev mailbox, marks the mail sent and clears its body', async () => {
    await queue('a@example.com');
    const { logger } = memoryLogger();
    const result = await sendPendingEmails(
      tdb.worker,
      createMailer({ smtpUrl: null, from: 'MFIQ <no-reply@example.test>', mailboxDir: dir }),
      logger,
    );
    expect(result).toEqual({ sent: 1, failed: 0 });
    const files = await readdir(dir);
    expect(files).toHaveLength(1);
    const mail = JSON.parse(await readFile(path.join(dir, files[0]!), 'utf8')) as {
      to: string;
      text: string;
      from: string;
    };
    expect(mail).toMatchObject({ to: 'a@example.com', from: 'MFIQ <no-reply@example.test>' });
    expect(mail.text).toContain('/reset-password/abc');
    const row = await tdb.owner.selectFrom('emailOutbox').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'sent', textBody: null, attempts: 1 });
    expect(
      await sendPendingEmails(
        tdb.worker,
        createMailer({ smtpUrl: null, from: 'x <x@x.test>', mailboxDir: dir }),
        logger,
      ),
    ).toEqual({ sent: 0, failed: 0 });
  });

  it('a failed delivery is retried later with back-off, and keeps its body until delivered', async () => {
    await queue('b@example.com');
    const failing: Mailer = { kind: 'smtp', send: () => Promise.reject(new Error('connection refused')) };
    const { logger, lines } = memoryLogger();
    expect(await sendPendingEmails(tdb.worker, failing, logger)).toEqual({ sent: 0, failed: 1 });
    const row = await tdb.owner.selectFrom('emailOutbox').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'pending', attempts: 1, lastError: 'connection refused' });
    expect(row.textBody).not.toBeNull();
    expect(row.nextAttemptAt.getTime()).toBeGreaterThan(row.createdAt.getTime());
    // Not due yet: nothing is attempted.
    expect(await sendPendingEmails(tdb.worker, failing, logger)).toEqual({ sent: 0, failed: 0 });
    expect(lines()).toContainEqual(expect.objectContaining({ msg: 'mail delivery failed', attempts: 1 }));
  });

  it('two workers draining at once send each mail exactly once', async () => {
    for (let i = 0; i < 30; i++) await queue(`c${i}@example.com`);
    const seen: string[] = [];
    const recording: Mailer = {
      kind: 'smtp',
      async send(mail: OutgoingMail) {
        seen.push(mail.id);
        await new Promise((r) => setTimeout(r, 2));
      },
    };
    const { logger } = memoryLogger();
    const [a, b] = await Promise.all([
      sendPendingEmails(tdb.worker, recording, logger, { batchSize: 5 }),
      sendPendingEmails(tdb.worker, recording, logger, { batchSize: 5 }),
    ]);
    expect(a.sent + b.sent).toBe(30);
    expect(new Set(seen).size).toBe(30);
    expect(seen).toHaveLength(30);
  });

  it('the app role cannot read the outbox (mail bodies hold live links)', async () => {
    await expect(tdb.app.selectFrom('emailOutbox').selectAll().execute()).rejects.toThrow(/permission denied/);
  });
});
