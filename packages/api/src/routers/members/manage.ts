import { z } from 'zod';
import { audit } from '../../audit.ts';
import { AppError } from '../../errors.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { assertMayManage, assertNotLastOwner, lockMember } from './rules.ts';
import { changeRoleInput, membershipIdInput, roleSchema } from './schemas.ts';

/** Takes effect at the member's next request: every tenant request re-reads the membership. */
export const changeRole = tenantProcedure
  .meta(requirePermission('members:manage'))
  .input(changeRoleInput)
  .output(z.object({ membershipId: z.string(), role: roleSchema }))
  .mutation(async ({ ctx, input }) => {
    const { member, ownerCount } = await lockMember(ctx.db, ctx.tenant.id, input.membershipId);
    assertMayManage(ctx.role, member.role, input.role);
    if (input.role !== 'owner') assertNotLastOwner(member, ownerCount, 'be given another role');
    if (member.role !== input.role) {
      await ctx.db
        .updateTable('memberships')
        .set({ role: input.role, updatedAt: new Date() })
        .where('tenantId', '=', ctx.tenant.id)
        .where('id', '=', member.id)
        .execute();
      await audit(ctx, {
        action: 'member.role_changed',
        target: { type: 'membership', id: member.id, display: member.email },
        before: { role: member.role },
        after: { role: input.role },
      });
    }
    return { membershipId: member.id, role: input.role };
  });

export const remove = tenantProcedure
  .meta(requirePermission('members:manage'))
  .input(membershipIdInput)
  .output(z.object({ removed: z.literal(true) }))
  .mutation(async ({ ctx, input }) => {
    if (input.membershipId === ctx.membershipId)
      throw new AppError('INVALID', 'To remove yourself, leave the organization.');
    const { member, ownerCount } = await lockMember(ctx.db, ctx.tenant.id, input.membershipId);
    assertMayManage(ctx.role, member.role);
    assertNotLastOwner(member, ownerCount, 'be removed');
    await ctx.db.deleteFrom('memberships').where('tenantId', '=', ctx.tenant.id).where('id', '=', member.id).execute();
    await audit(ctx, {
      action: 'member.removed',
      target: { type: 'membership', id: member.id, display: member.email },
      before: { userId: member.userId, role: member.role },
    });
    return { removed: true as const };
  });

/** Any member may leave; the last owner may not (the organization would have no owner). */
export const leave = tenantProcedure
  .meta(requirePermission('org:read'))
  .output(z.object({ left: z.literal(true) }))
  .mutation(async ({ ctx }) => {
    const { member, ownerCount } = await lockMember(ctx.db, ctx.tenant.id, ctx.membershipId);
    assertNotLastOwner(member, ownerCount, 'leave');
    await ctx.db.deleteFrom('memberships').where('tenantId', '=', ctx.tenant.id).where('id', '=', member.id).execute();
    await audit(ctx, {
      action: 'member.left',
      target: { type: 'membership', id: member.id, display: member.email },
      before: { role: member.role },
    });
    return { left: true as const };
  });

/** Makes another member an owner and the caller an admin, in one transaction. */
export const transferOwnership = tenantProcedure
  .meta(requirePermission('ownership:manage'))
  .input(membershipIdInput)
  .output(z.object({ newOwner: z.string() }))
  .mutation(async ({ ctx, input }) => {
    if (input.membershipId === ctx.membershipId) throw new AppError('INVALID', 'You already own this organization.');
    const { member } = await lockMember(ctx.db, ctx.tenant.id, input.membershipId);
    const now = new Date();
    await ctx.db
      .updateTable('memberships')
      .set({ role: 'owner', updatedAt: now })
      .where('tenantId', '=', ctx.tenant.id)
      .where('id', '=', member.id)
      .execute();
    await ctx.db
      .updateTable('memberships')
      .set({ role: 'admin', updatedAt: now })
      .where('tenantId', '=', ctx.tenant.id)
      .where('id', '=', ctx.membershipId)
      .execute();
    await audit(ctx, {
      action: 'ownership.transferred',
      target: { type: 'membership', id: member.id, display: member.email },
      before: { newOwnerRole: member.role, previousOwner: ctx.user.email },
      after: { newOwnerRole: 'owner', previousOwnerRole: 'admin' },
    });
    return { newOwner: member.email };
  });
