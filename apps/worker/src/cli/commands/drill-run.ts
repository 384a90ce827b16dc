import { sql } from '@mfiq/db';
import { EXIT, UsageError, type CliCommand } from '../command.ts';
import { backupContext } from '../backup-common.ts';
import { runDrill } from '../../tasks/restore-drills.ts';
import { createLogger } from '../../logger.ts';

/**
 * `mfiq drill run --org SLUG [--json]`: restores the organization's latest backup into scratch
 * tables now and compares it with the source, exactly as the nightly drill does (as the worker
 * role, WORKER_DATABASE_URL), and records the result. Exit 1 when the drill fails.
 */
export const command: CliCommand = {
  name: ['drill', 'run'],
  summary: "Restore an organization's latest backup into scratch tables and check it against the source",
  options: {
    org: { type: 'string', required: true, description: 'the organization slug' },
    json: { type: 'boolean', description: 'print the result as JSON' },
  },
  async run(args, ctx) {
    const slug = String(args.org);
    const db = ctx.db();
    const { rows } = await sql<{ tenantId: string | null }>`select audit_tenant_by_slug(${slug}) as "tenantId"`.execute(
      db,
    );
    const tenantId = rows[0]?.tenantId;
    if (!tenantId) throw new UsageError(`no organization with the slug "${slug}"`);
    const { settings, storage } = backupContext(ctx.env, ctx.err);
    const record = await runDrill(
      {
        db,
        logger: createLogger('silent'),
        storage,
        keyring: settings.keyring,
        sample: 1,
        operatorEmail: ctx.env.OPERATOR_ALERT_EMAIL?.trim() || null,
      },
      tenantId,
      'operator',
    );
    if (args.json) ctx.out(JSON.stringify({ org: slug, ...record }));
    else if (record.status === 'passed')
      ctx.out(
        `passed: backup ${record.backupId} of ${slug} restored into scratch tables, ${record.tables} tables and ${record.rows} rows equal to the source (drill ${record.id}).`,
      );
    else ctx.out(`FAILED: ${record.error} (drill ${record.id}, backup ${record.backupId ?? 'none'}).`);
    return record.status === 'passed' ? EXIT.ok : EXIT.failed;
  },
};
