import { sql } from '@mfiq/db';
import { EXIT, type CliCommand } from '../command.ts';
import { operatorContext, stringOpt, findOrganization, tenantAudit, UsageError, withTenant } from '../operator.ts';

/**
 * Locks an organization: every tenant procedure refuses, for every member and role, until unlocked
 * (docs/decisions/0053-organization-lock.md). Data is kept; sessions are not ended (use
 * `sessions revoke --org` as well when credentials may be compromised).
 */
export const command: CliCommand = {
  name: ['org', 'lock'],
  summary: 'Lock an organization: all of its pages and API calls are refused until unlocked',
  audits: 'organization.locked',
  options: {
    org: { type: 'string', description: 'the organization slug' },
    reason: { type: 'string', description: 'why (recorded in the audit trail)' },
  },
  async run(values, cli) {
    const ctx = operatorContext(cli);
    const slug = stringOpt(values, 'org');
    const reason = stringOpt(values, 'reason');
    if (!slug || !reason) throw new UsageError('--org and --reason are required.');
    const org = await findOrganization(ctx, slug);
    await withTenant(ctx.db, { tenantId: org.tenantId, evenIfLocked: true }, async (trx) => {
      await trx
        .updateTable('organizations')
        .set({ lockedAt: sql`coalesce(locked_at, now())`, lockedReason: reason.slice(0, 500) })
        .where('tenantId', '=', org.tenantId)
        .executeTakeFirstOrThrow();
      await tenantAudit(ctx, trx, org.tenantId, {
        action: 'organization.locked',
        target: { type: 'organization', id: org.tenantId, display: org.name },
        before: { locked: org.lockedAt !== null },
        after: { locked: true, reason: reason.slice(0, 500) },
      });
    });
    ctx.out(`Locked ${org.slug}.`);
    return EXIT.ok;
  },
};
