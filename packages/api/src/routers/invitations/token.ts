import { oneTimeTokenHash } from '@mfiq/auth';
import type { TenantDb } from '@mfiq/db';
import { AppError } from '../../errors.ts';

const TOKEN = /^([0-9a-f]{32})_([a-z2-7]{40})$/;

/** The organization an invitation token routes to; null for a malformed token. */
export function tenantOfToken(token: string): string | null {
  const m = TOKEN.exec(token);
  if (!m) return null;
  const h = m[1]!;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export const invalidInvitation = () =>
  new AppError('NOT_FOUND', 'This invitation link is not valid. Ask for a new invitation.');

/** The invitation behind a token inside its tenant's transaction, locked; null when there is none. */
export async function findInvitation(db: TenantDb, tenantId: string, token: string, opts: { lock: boolean }) {
  let q = db
    .selectFrom('invitations as i')
    .innerJoin('organizations as o', 'o.tenantId', 'i.tenantId')
    .leftJoin('users as u', 'u.id', 'i.invitedBy')
    .select([
      'i.id',
      'i.email',
      'i.role',
      'i.expiresAt',
      'i.acceptedAt',
      'i.revokedAt',
      'o.slug',
      'o.name as organizationName',
      'u.displayName as inviter',
    ])
    .where('i.tenantId', '=', tenantId)
    .where('i.tokenHash', '=', oneTimeTokenHash(token));
  if (opts.lock) q = q.forUpdate('i');
  return (await q.executeTakeFirst()) ?? null;
}

export type InvitationStatus = 'pending' | 'expired' | 'used' | 'revoked';

export function statusOf(
  inv: { acceptedAt: Date | null; revokedAt: Date | null; expiresAt: Date },
  now: Date,
): InvitationStatus {
  if (inv.acceptedAt) return 'used';
  if (inv.revokedAt) return 'revoked';
  if (inv.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'pending';
}

/** Refuses anything but a pending invitation, each with its own explanation. */
export function assertPending(status: InvitationStatus): void {
  if (status === 'used')
    throw new AppError('CONFLICT', 'This invitation has already been used. Sign in to reach the organization.');
  if (status === 'revoked') throw new AppError('NOT_FOUND', 'This invitation was withdrawn. Ask for a new one.');
  if (status === 'expired')
    throw new AppError('NOT_FOUND', 'This invitation has expired (invitations last 7 days). Ask for a new one.');
}
