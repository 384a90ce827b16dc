import { router } from '../../trpc.ts';
import { me } from './me.ts';
import { signIn } from './sign-in.ts';
import { signOut } from './sign-out.ts';
import { signUp } from './sign-up.ts';

export const authRouter = router({ signUp, signIn, signOut, me });
