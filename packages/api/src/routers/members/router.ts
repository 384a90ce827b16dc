import { router } from '../../trpc.ts';
import { invite, listInvitations, revokeInvitation } from './invitations.ts';
import { list } from './list.ts';
import { changeRole, leave, remove, transferOwnership } from './manage.ts';

export const membersRouter = router({
  list,
  invite,
  listInvitations,
  revokeInvitation,
  changeRole,
  remove,
  leave,
  transferOwnership,
});
