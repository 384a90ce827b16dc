import { z } from 'zod';
import { ROLES } from '../../permissions.ts';
import { emailSchema } from '../auth/schemas.ts';

export const roleSchema = z.enum(ROLES, { error: 'Role is one of owner, admin, editor, viewer' });
const idSchema = z.uuid('Not a valid id');
export const inviteInput = z.object({ email: emailSchema, role: roleSchema });
export const invitationIdInput = z.object({ invitationId: idSchema });
export const membershipIdInput = z.object({ membershipId: idSchema });
export const changeRoleInput = z.object({ membershipId: idSchema, role: roleSchema });
