import { sql } from '@mfiq/db';
import { EXIT, type CliCommand } from '../command.ts';
import { operatorContext, stringOpt, findUser, platformAudit, UsageError } from '../operator.ts';

/** A disabled user cannot sign in, and their sessions end now (sign-in and session checks refuse disabled users). */
export const command: CliCommand = {
  name: ['user', 'disable'],
  summary: 'Disable a user: sign-in refused, every session ended',
  audits: 'user.disabled',
  options: {
    email: { type: 'string', description: "the user's email" },
    reason: { type: 'string', description: 'why (recorded in the audit trail)' },
  },
  async run(values, cli) {
    const ctx = operatorContext(cli);
    const email = stringOpt(values, 'email');
    if (!email) throw new UsageError('--email is required.');
    const reason = stringOpt(values, 'reason')?.slice(0, 500) ?? null;
    const user = await findUser(ctx, email);
    if (user.disabledAt) {
      ctx.out(`${user.email} is already disabled (since ${user.disabledAt.toISOString()}).`);
    }
    const sessions = await ctx.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('users')
        .set({ disabledAt: sql`coalesce(disabled_at, now())`, updatedAt: new Date() })
        .where('id', '=', user.id)
        .execute();
      const r = await trx.deleteFrom('sessions').where('userId', '=', user.id).executeTakeFirst();
      await platformAudit(
        ctx,
        {
          action: 'user.disabled',
          target: { type: 'user', id: user.id, display: user.email },
          before: { disabled: user.disabledAt !== null },
          after: { disabled: true, reason, sessionsEnded: Number(r.numDeletedRows) },
        },
        trx,
      );
      return Number(r.numDeletedRows);
    });
    if (!user.disabledAt) ctx.out(`Disabled ${user.email}; ended ${sessions} session(s).`);
    return EXIT.ok;
  },
};
