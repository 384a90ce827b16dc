import { EXIT, type CliCommand } from '../command.ts';
import { operatorContext, stringOpt, findUser, platformAudit, UsageError } from '../operator.ts';

export const command: CliCommand = {
  name: ['user', 'enable'],
  summary: 'Re-enable a disabled user (they sign in again; old sessions stay ended)',
  audits: 'user.enabled',
  options: { email: { type: 'string', description: "the user's email" } },
  async run(values, cli) {
    const ctx = operatorContext(cli);
    const email = stringOpt(values, 'email');
    if (!email) throw new UsageError('--email is required.');
    const user = await findUser(ctx, email);
    await ctx.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('users')
        .set({ disabledAt: null, updatedAt: new Date() })
        .where('id', '=', user.id)
        .execute();
      await platformAudit(
        ctx,
        {
          action: 'user.enabled',
          target: { type: 'user', id: user.id, display: user.email },
          before: { disabled: user.disabledAt !== null },
          after: { disabled: false },
        },
        trx,
      );
    });
    ctx.out(user.disabledAt ? `Enabled ${user.email}.` : `${user.email} was not disabled; nothing changed.`);
    return EXIT.ok;
  },
};
