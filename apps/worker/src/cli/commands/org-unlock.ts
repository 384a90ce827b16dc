import { EXIT, type CliCommand } from '../command.ts';
import { operatorContext, stringOpt, findOrganization, tenantAudit, UsageError, withTenant } from '../operator.ts';

export const command: CliCommand = {
  name: ['org', 'unlock'],
  summary: 'Unlock an organization',
  audits: 'organization.unlocked',
  options: { org: { type: 'string', description: 'the organization slug' } },
  async run(values, cli) {
    const ctx = operatorContext(cli);
    const slug = stringOpt(values, 'org');
    if (!slug) throw new UsageError('--org is required.');
    const org = await findOrganization(ctx, slug);
    await withTenant(ctx.db, { tenantId: org.tenantId, evenIfLocked: true }, async (trx) => {
      await trx
        .updateTable('organizations')
        .set({ lockedAt: null, lockedReason: null })
        .where('tenantId', '=', org.tenantId)
        .executeTakeFirstOrThrow();
      await tenantAudit(ctx, trx, org.tenantId, {
        action: 'organization.unlocked',
        target: { type: 'organization', id: org.tenantId, display: org.name },
        before: { locked: org.lockedAt !== null },
        after: { locked: false },
      });
    });
    ctx.out(`Unlocked ${org.slug}.`);
    return EXIT.ok;
  },
};
