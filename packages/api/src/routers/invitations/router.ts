import { router } from '../../trpc.ts';
import { accept, get, signUpAndAccept } from './procedures.ts';

export const invitationsRouter = router({ get, accept, signUpAndAccept });
