import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { sql } from '@mfiq/db';
import { EXIT, type CliCommand } from '../command.ts';
import { operatorContext, stringOpt, findOrganization, tenantAudit, UsageError, withTenant } from '../operator.ts';

/**
 * Writes an organization's audit trail as NDJSON, one event per line with its `source`: the
 * append-only audit log when this database has one, then the events still waiting in the outbox.
 * Read inside the tenant's transaction, filtered by tenant_id as well.
 */
export const command: CliCommand = {
  name: ['audit', 'export'],
  summary: "Export an organization's audit trail as NDJSON",
  audits: 'audit.exported',
  options: {
    org: { type: 'string', description: 'the organization slug' },
    out: { type: 'string', description: 'write to this file (created, never overwritten) instead of stdout' },
  },
  async run(values, cli) {
    const ctx = operatorContext(cli);
    const slug = stringOpt(values, 'org');
    if (!slug) throw new UsageError('--org is required.');
    const file = stringOpt(values, 'out');
    const org = await findOrganization(ctx, slug);
    const sink = file ? createWriteStream(file, { flags: 'wx', mode: 0o600 }) : process.stdout;
    const write = async (line: string) => {
      if (!sink.write(`${line}\n`)) await once(sink, 'drain');
    };
    const counts = await withTenant(ctx.db, { tenantId: org.tenantId, evenIfLocked: true }, async (trx) => {
      let log = 0;
      const hasLog = await sql<{
        present: boolean;
      }>`select to_regclass('public.audit_log') is not null as present`.execute(trx);
      if (hasLog.rows[0]?.present) {
        const rows = await sql<{
          row: Record<string, unknown>;
        }>`select to_jsonb(l) - 'prev_hash' - 'hash' || jsonb_build_object('prev_hash', encode(l.prev_hash, 'hex'), 'hash', encode(l.hash, 'hex')) as row from audit_log l where l.tenant_id = ${org.tenantId} order by l.sequence`.execute(
          trx,
        );
        for (const r of rows.rows) await write(JSON.stringify({ source: 'audit_log', ...r.row }));
        log = rows.rows.length;
      }
      const outbox = await sql<{ row: Record<string, unknown> }>`
        select to_jsonb(o) as row from audit_outbox o where o.tenant_id = ${org.tenantId} order by o.occurred_at, o.id`.execute(
        trx,
      );
      for (const r of outbox.rows) await write(JSON.stringify({ source: 'audit_outbox', ...r.row }));
      await tenantAudit(ctx, trx, org.tenantId, {
        action: 'audit.exported',
        target: { type: 'organization', id: org.tenantId, display: org.name },
        after: { auditLog: log, outbox: outbox.rows.length, destination: file ? 'file' : 'stdout' },
      });
      return { log, outbox: outbox.rows.length };
    });
    if (file) {
      sink.end();
      await once(sink, 'finish');
      ctx.out(`Exported ${counts.log + counts.outbox} event(s) of ${org.slug} to ${file}.`);
    }
    return EXIT.ok;
  },
};
