import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sql, type Database } from '@mfiq/db';
import type { Task } from 'graphile-worker';
import nodemailer from 'nodemailer';
import type { Logger } from '../logger.ts';

export const SEND_EMAILS = 'send_emails';

export interface OutgoingMail {
  id: string;
  to: string;
  subject: string;
  text: string;
}

/** Where mail goes: SMTP when configured, else a directory the web's dev mailbox page lists. */
export interface Mailer {
  readonly kind: 'smtp' | 'mailbox';
  send(mail: OutgoingMail): Promise<void>;
}

export function createMailer(opts: { smtpUrl: string | null; from: string; mailboxDir: string }): Mailer {
  if (opts.smtpUrl) {
    const transport = nodemailer.createTransport(opts.smtpUrl);
    return {
      kind: 'smtp',
      async send(mail) {
        await transport.sendMail({
          from: opts.from,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          messageId: `<${mail.id}@mfiq>`,
        });
      },
    };
  }
  // nodemailer's JSON transport builds the message exactly as it would for SMTP, without a network.
  const transport = nodemailer.createTransport({ jsonTransport: true });
  return {
    kind: 'mailbox',
    async send(mail) {
      const info = await transport.sendMail({ from: opts.from, to: mail.to, subject: mail.subject, text: mail.text });
      const message = JSON.parse(String(info.message)) as Record<string, unknown>;
      await mkdir(opts.mailboxDir, { recursive: true, mode: 0o700 });
      const file = path.join(opts.mailboxDir, `${Date.now()}-${mail.id}.json`);
      await writeFile(
        file,
        JSON.stringify({
          id: mail.id,
          sentAt: new Date().toISOString(),
          to: mail.to,
          from: opts.from,
          subject: mail.subject,
          text: mail.text,
          messageId: message.messageId ?? null,
        }),
        { mode: 0o600 },
      );
    },
  };
}

const MAX_ATTEMPTS = 8;

/**
 * Sends what is due in the outbox. Rows are claimed with FOR UPDATE SKIP LOCKED, so several workers
 * never send the same mail twice. A delivered mail's body is cleared: it may hold a live link
 * (reset, invitation) that has no business staying in the database. Failures back off
 * exponentially and give up after MAX_ATTEMPTS.
 */
export async function sendPendingEmails(
  db: Database,
  mailer: Mailer,
  logger: Logger,
  opts: { batchSize?: number } = {},
): Promise<{ sent: number; failed: number }> {
  const batchSize = opts.batchSize ?? 20;
  let sent = 0;
  let failed = 0;
  for (;;) {
    const batch = await db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('emailOutbox')
        .select(['id', 'toAddress', 'subject', 'textBody', 'attempts'])
        .where('status', '=', 'pending')
        .where('nextAttemptAt', '<=', sql<Date>`now()`)
        .orderBy('nextAttemptAt')
        .limit(batchSize)
        .forUpdate()
        .skipLocked()
        .execute();
      for (const row of rows) {
        try {
          await mailer.send({ id: row.id, to: row.toAddress, subject: row.subject, text: row.textBody ?? '' });
          await trx
            .updateTable('emailOutbox')
            .set({
              status: 'sent',
              sentAt: sql<Date>`now()`,
              textBody: null,
              attempts: row.attempts + 1,
              lastError: null,
            })
            .where('id', '=', row.id)
            .execute();
          sent += 1;
        } catch (error) {
          const attempts = row.attempts + 1;
          const message = error instanceof Error ? error.message : String(error);
          await trx
            .updateTable('emailOutbox')
            .set({
              attempts,
              lastError: message.slice(0, 500),
              status: attempts >= MAX_ATTEMPTS ? 'failed' : 'pending',
              nextAttemptAt: sql<Date>`now() + make_interval(mins => ${2 ** attempts})`,
            })
            .where('id', '=', row.id)
            .execute();
          failed += 1;
          logger.warn({ task: SEND_EMAILS, mailId: row.id, attempts, err: error }, 'mail delivery failed');
        }
      }
      return rows.length;
    });
    if (batch < batchSize) return { sent, failed };
  }
}

export function sendEmailsTask(deps: { db: Database; logger: Logger; mailer: Mailer }): Task {
  return async (_payload, helpers) => {
    const result = await sendPendingEmails(deps.db, deps.mailer, deps.logger);
    if (result.sent || result.failed)
      deps.logger.info(
        { task: SEND_EMAILS, jobId: helpers.job.id, ...result, via: deps.mailer.kind },
        `sent ${result.sent} mail(s)`,
      );
  };
}
