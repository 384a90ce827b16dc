import { z } from 'zod';
import { ROLES } from '../../permissions.ts';
import { emailSchema } from '../../shared/fields.ts';

export const roleSchema = z.enum(ROLES, { error: 'Role is one of owner, admin, editor, viewer' });
const idSchema = z.uuid('Not a valid id');
export const inviteInput = z.object({ email: emailSchema, role: roleSchema });
export const invitationIdInput = z.object({ invitationId: idSchema });
export const membershipIdInput = z.object({ membershipId: idSchema });
export const changeRoleInput = z.object({ membershipId: idSchema, role: roleSchema });

/**
 * The members page's forms as one input: which change (`intent`) and the fields that change takes.
 * Each branch is the procedure's own input schema.
 */
export const memberChangeForm = z.discriminatedUnion('intent', [
  inviteInput.extend({ intent: z.literal('invite') }),
  invitationIdInput.extend({ intent: z.literal('revoke') }),
  changeRoleInput.extend({ intent: z.literal('role') }),
  membershipIdInput.extend({ intent: z.literal('remove') }),
  membershipIdInput.extend({ intent: z.literal('transfer') }),
  z.object({ intent: z.literal('leave') }),
]);
