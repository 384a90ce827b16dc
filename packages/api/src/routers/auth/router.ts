import { router } from '../../trpc.ts';
import { completeSignUp, signUpRequest } from './complete-sign-up.ts';
import { me } from './me.ts';
import { requestPasswordReset, resetPassword } from './password-reset.ts';
import { signIn } from './sign-in.ts';
import { signInTwoFactor } from './sign-in-two-factor.ts';
import { signOut } from './sign-out.ts';
import { signUp } from './sign-up.ts';

export const authRouter = router({
  signUp,
  signUpRequest,
  completeSignUp,
  signIn,
  signInTwoFactor,
  signOut,
  me,
  requestPasswordReset,
  resetPassword,
});
