import type { TenantDb } from '@mfiq/db';
import { AppError, notFound } from '../../errors.ts';
import { can, type Role } from '../../permissions.ts';

/**
 * Member-management rules beyond the permission itself: only a role with ownership:manage may
 * grant, change or remove an owner; the last owner can neither be demoted nor leave.
 */
export function assertMayManage(actorRole: Role, targetRole: Role, newRole?: Role): void {
  if ((targetRole === 'owner' || newRole === 'owner') && !can(actorRole, 'ownership:manage')) {
    throw new AppError('FORBIDDEN', 'Only an owner can grant, change or remove ownership.');
  }
}

/** The membership, locked for the change; the owners are locked too so "last owner" stays true. */
export async function lockMember(db: TenantDb, tenantId: string, membershipId: string) {
  const owners = await db
    .selectFrom('memberships')
    .select('id')
    .where('tenantId', '=', tenantId)
    .where('role', '=', 'owner')
    .forUpdate()
    .execute();
  const member = await db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.userId')
    .select(['m.id', 'm.userId', 'm.role', 'u.email'])
    .where('m.tenantId', '=', tenantId)
    .where('m.id', '=', membershipId)
    .forUpdate('m')
    .executeTakeFirst();
  if (!member) throw notFound('Member not found');
  return { member: { ...member, role: member.role as Role }, ownerCount: owners.length };
}

export function assertNotLastOwner(member: { role: Role }, ownerCount: number, what: string): void {
  if (member.role === 'owner' && ownerCount <= 1) {
    throw new AppError('CONFLICT', `The last owner cannot ${what}. Make someone else an owner first.`);
  }
}
