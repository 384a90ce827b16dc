import { sql } from '@mfiq/db';
import { defineCommand, stringOpt } from '../command.ts';
import { findOrganization, tenantAudit, UsageError, withTenant } from '../operator.ts';

/**
 * Locks an organization: every tenant procedure refuses, for every member and role, until unlocked
 * (docs/decisions/0053-organization-lock.md). Data is kept; sessions are not ended (use
 * `sessions revoke --org` as well when credentials may be compromised).
 */
export default defineCommand({
  name: 'org lock',
  summary: "Lock an organization: all of its pages and API calls are refused until unlocked",
  usage: 'mfiq org lock --org <slug> --reason <text>',
  audits: 'organization.locked',
  options: { org: { type: 'string' }, reason: { type: 'string' } },
  async run(ctx, values) {
    const slug = stringOpt(values, 'org');
    const reason = stringOpt(values, 'reason');
    if (!slug || !reason) throw new UsageError('--org and --reason are required.');
    const org = await findOrganization(ctx, slug);
    await withTenant(ctx.db, { tenantId: org.tenantId }, async (trx) => {
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
  },
});
