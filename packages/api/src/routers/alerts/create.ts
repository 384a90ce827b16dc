import { sql } from '@mfiq/db';
import { z } from 'zod';
import { audit } from '../../audit.ts';
import { AppError } from '../../errors.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { queueRuleEvaluation, replaceRecipients } from './query.ts';
import { auditedRule, ruleColumns } from './rule-input.ts';
import { createRuleInput, MAX_RULES } from './schemas.ts';

/** A new rule; its first evaluation is queued with it, so a condition that already holds fires at once. */
export const create = tenantProcedure
  .meta(requirePermission('alerts:manage'))
  .input(createRuleInput)
  .output(z.object({ id: z.string() }))
  .mutation(async ({ ctx, input }) => {
    // Serializes concurrent creates in this organization so the count limit holds.
    await sql`select 1 from organizations where tenant_id = ${ctx.tenant.id} for no key update`.execute(ctx.db);
    const { n } = await ctx.db
      .selectFrom('alertRules')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('tenantId', '=', ctx.tenant.id)
      .executeTakeFirstOrThrow();
    if (n >= MAX_RULES)
      throw new AppError('CONFLICT', `An organization has at most ${MAX_RULES.toLocaleString('en-US')} alert rules`);
    const { columns } = await ruleColumns(ctx.db, ctx.tenant.id, input);
    const rule = await ctx.db
      .insertInto('alertRules')
      .values({ tenantId: ctx.tenant.id, ...columns, createdBy: ctx.user.id })
      .returning('id')
      .executeTakeFirstOrThrow();
    await replaceRecipients(ctx.db, ctx.tenant.id, rule.id, input.recipients);
    await queueRuleEvaluation(ctx.db, ctx.tenant.id, rule.id);
    await audit(ctx, {
      action: 'alert_rule.created',
      target: { type: 'alert_rule', id: rule.id, display: input.name },
      after: auditedRule(input),
    });
    return { id: rule.id };
  });
