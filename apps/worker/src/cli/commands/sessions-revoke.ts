import { EXIT, type CliCommand } from '../command.ts';
import {
  operatorContext,
  stringOpt,
  findOrganization,
  findUser,
  platformAudit,
  tenantAudit,
  UsageError,
  withTenant,
} from '../operator.ts';

/** Ends sessions at once: the next request with a revoked cookie is treated as signed out. */
export const command: CliCommand = {
  name: ['sessions', 'revoke'],
  summary: "End the sessions of one user, of one organization's members, or of everyone",
  audits: 'session.revoked',
  options: {
    user: { type: 'string', description: 'the email of the user whose sessions end' },
    org: { type: 'string', description: 'the organization slug' },
    all: { type: 'boolean', description: 'every session of every user' },
    yes: { type: 'boolean', description: 'confirm --all' },
  },
  async run(values, cli) {
    const ctx = operatorContext(cli);
    const email = stringOpt(values, 'user');
    const slug = stringOpt(values, 'org');
    const chosen = [email, slug, values.all ? 'all' : undefined].filter(Boolean);
    if (chosen.length !== 1) throw new UsageError('Choose exactly one of --user, --org or --all.');

    if (email) {
      const user = await findUser(ctx, email);
      const n = await ctx.db.transaction().execute(async (trx) => {
        const r = await trx.deleteFrom('sessions').where('userId', '=', user.id).executeTakeFirst();
        await platformAudit(
          ctx,
          {
            action: 'session.revoked',
            target: { type: 'user', id: user.id, display: user.email },
            after: { sessions: Number(r.numDeletedRows) },
          },
          trx,
        );
        return Number(r.numDeletedRows);
      });
      ctx.out(`Revoked ${n} session(s) of ${user.email}.`);
      return EXIT.ok;
    }

    if (slug) {
      const org = await findOrganization(ctx, slug);
      const n = await withTenant(ctx.db, { tenantId: org.tenantId, evenIfLocked: true }, async (trx) => {
        const members = await trx
          .selectFrom('memberships')
          .select('userId')
          .where('tenantId', '=', org.tenantId)
          .execute();
        const ids = members.map((m) => m.userId);
        const r = ids.length
          ? await trx.deleteFrom('sessions').where('userId', 'in', ids).executeTakeFirst()
          : { numDeletedRows: 0n };
        await tenantAudit(ctx, trx, org.tenantId, {
          action: 'session.revoked',
          target: { type: 'organization', id: org.tenantId, display: org.name },
          after: { members: ids.length, sessions: Number(r.numDeletedRows) },
        });
        return Number(r.numDeletedRows);
      });
      ctx.out(`Revoked ${n} session(s) of the members of ${org.slug}.`);
      return EXIT.ok;
    }

    if (!values.yes) throw new UsageError('--all signs everyone out; add --yes to confirm.');
    const n = await ctx.db.transaction().execute(async (trx) => {
      const r = await trx.deleteFrom('sessions').executeTakeFirst();
      await platformAudit(
        ctx,
        {
          action: 'session.revoked',
          target: { type: 'platform', id: 'all' },
          after: { sessions: Number(r.numDeletedRows) },
        },
        trx,
      );
      return Number(r.numDeletedRows);
    });
    ctx.out(`Revoked all ${n} session(s).`);
    return EXIT.ok;
  },
};
