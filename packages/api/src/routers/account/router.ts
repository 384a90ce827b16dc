import { router } from '../../trpc.ts';
import { changePassword } from './change-password.ts';
import { get } from './get.ts';
import { reauthenticate } from './reauthenticate.ts';
import { revokeOtherSessions, revokeSession } from './sessions.ts';
import { beginTwoFactor, confirmTwoFactor, disableTwoFactor, regenerateRecoveryCodes } from './two-factor.ts';

export const accountRouter = router({
  get,
  reauthenticate,
  changePassword,
  revokeSession,
  revokeOtherSessions,
  beginTwoFactor,
  confirmTwoFactor,
  disableTwoFactor,
  regenerateRecoveryCodes,
});
