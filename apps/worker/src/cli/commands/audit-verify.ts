import { sql, verifyTenantChain, withTenant } from '@mfiq/db';
import { EXIT, UsageError, type CliCommand } from '../command.ts';

/** `mfiq audit verify --org SLUG [--json]`: recomputes the organization's chain from its checkpoint. */
export const command: CliCommand = {
  name: ['audit', 'verify'],
  summary: "Verify an organization's audit chain (exit 1 and the first broken sequence if tampered)",
  options: {
    org: { type: 'string', required: true, description: 'the organization slug' },
    json: { type: 'boolean', description: 'print the result as JSON' },
  },
  async run(args, ctx) {
    const slug = String(args.org);
    if (!/^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/.test(slug))
      throw new UsageError(`"${slug}" is not an organization slug`);
    const key = ctx.env.AUDIT_CHECKPOINT_KEY ? Buffer.from(ctx.env.AUDIT_CHECKPOINT_KEY, 'utf8') : undefined;
    const db = ctx.db();
    const { rows } = await sql<{ tenantId: string | null }>`select audit_tenant_by_slug(${slug}) as "tenantId"`.execute(
      db,
    );
    const tenantId = rows[0]?.tenantId;
    if (!tenantId) throw new UsageError(`no organization with the slug "${slug}"`);
    const result = await withTenant(db, { tenantId, evenIfLocked: true }, (trx) =>
      verifyTenantChain(trx, key ? { checkpointKey: key } : {}),
    );
    if (args.json) ctx.out(JSON.stringify({ org: slug, ...result }));
    else if (result.status === 'verified') {
      const from = result.fromSequence ? ` from the retention checkpoint at sequence ${result.fromSequence}` : '';
      ctx.out(
        `verified: ${result.events} event(s), sequences ${result.fromSequence + 1}..${result.lastSequence}${from}`,
      );
      if (result.checkpoint === 'unchecked')
        ctx.err('note: AUDIT_CHECKPOINT_KEY is not set, so the checkpoint signature was not checked');
    } else ctx.out(`broken at sequence ${result.sequence}: ${result.reason}`);
    return result.status === 'verified' ? EXIT.ok : EXIT.failed;
  },
};
