import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { enqueueMail, mails } from '@mfiq/api/mail';
import type { BackupStorage } from '@mfiq/backup';
import { sql, type Database } from '@mfiq/db';
import type { Task } from 'graphile-worker';
import type { Logger } from '../logger.ts';

export const ORG_ERASURE = 'org_erasure';

export interface ErasureDeps {
  db: Database;
  logger: Logger;
  /** Backup storage: the organization's stored backups are deleted (its key goes in the database). */
  storage: BackupStorage | null;
  /** The dev mailbox directory, when mail is kept there instead of sent: its copies are deleted too. */
  mailboxDir: string | null;
}

export interface ErasureOutcome {
  recordId: string;
  slug: string;
  rows: number;
  tables: number;
  files: { backupObjects: number; mailboxFiles: number };
  mails: number;
  backupKeys: number;
  notified: string[];
}

/**
 * Erases one organization whose grace period is over (docs/decisions/0121): first what lies
 * outside the database (its backup objects, its mail kept in the dev mailbox), then, in one
 * transaction, every row it has in every tenant table, its mail and its backup key (which makes
 * any copy of its backups unreadable), the erasure record, and the owners' confirmation mail. The
 * database refuses an organization that is not due, whatever the caller says. A failure leaves
 * the deletion pending, so the next run tries again.
 */
async function eraseOrganization(deps: ErasureDeps, tenantId: string): Promise<ErasureOutcome> {
  const mailIds = (
    await deps.db.selectFrom('emailOutbox').select('id').where('organizationId', '=', tenantId).execute()
  ).map((m) => m.id);
  let mailboxFiles = 0;
  if (deps.mailboxDir && mailIds.length) {
    const names = await readdir(deps.mailboxDir).catch(() => [] as string[]);
    // Mailbox files are `<time>-<mail id>.json` (tasks/send-emails.ts).
    const ids = new Set(mailIds);
    for (const name of names) {
      const id = /^\d+-([0-9a-f-]{36})\.json$/.exec(name)?.[1];
      if (!id || !ids.has(id)) continue;
      await rm(path.join(deps.mailboxDir, name), { force: true });
      mailboxFiles += 1;
    }
  }
  let backupObjects = 0;
  if (deps.storage) {
    for (const o of await deps.storage.list(`${tenantId}/`)) {
      await deps.storage.delete(o.key);
      backupObjects += 1;
    }
  }
  const files = { backupObjects, mailboxFiles };
  return deps.db.transaction().execute(async (trx) => {
    // One statement erases the whole organization: not a request-sized statement.
    await sql`set local statement_timeout = '30min'`.execute(trx);
    const { rows } = await sql<{
      recordId: string;
      slug: string;
      name: string;
      owners: string[];
      rowsDeleted: Record<string, number>;
      mailsDeleted: number;
      backupKeys: string[];
    }>`select * from app_erase_organization(${tenantId}, ${JSON.stringify(files)}::jsonb)`.execute(trx);
    const r = rows[0]!;
    const counts = Object.values(r.rowsDeleted);
    const outcome: ErasureOutcome = {
      recordId: r.recordId,
      slug: r.slug,
      rows: counts.reduce((a, b) => a + b, 0),
      tables: counts.length,
      files,
      mails: r.mailsDeleted,
      backupKeys: r.backupKeys.length,
      notified: r.owners,
    };
    const erasedAt = new Date();
    for (const to of r.owners) {
      await enqueueMail(
        trx,
        mails.organizationErased(to, {
          orgName: r.name,
          slug: r.slug,
          erasedAt,
          recordId: r.recordId,
          rows: outcome.rows,
          tables: outcome.tables,
          backupKeys: outcome.backupKeys,
        }),
      );
    }
    return outcome;
  });
}

/** Every organization whose deletion is due, one erasure (one transaction) each. */
export async function eraseDueOrganizations(deps: ErasureDeps): Promise<ErasureOutcome[]> {
  const { rows } = await sql<{ tenantId: string; slug: string }>`select tenant_id, slug from app_erasure_due()`.execute(
    deps.db,
  );
  const done: ErasureOutcome[] = [];
  for (const { tenantId, slug } of rows) {
    try {
      const outcome = await eraseOrganization(deps, tenantId);
      deps.logger.info({ task: ORG_ERASURE, tenantId, ...outcome }, `erased organization ${slug}`);
      done.push(outcome);
    } catch (error) {
      deps.logger.error({ task: ORG_ERASURE, tenantId, err: error }, `erasure of ${slug} failed; it stays pending`);
    }
  }
  return done;
}

export function erasureTask(deps: ErasureDeps): Task {
  return async () => {
    await eraseDueOrganizations(deps);
  };
}
