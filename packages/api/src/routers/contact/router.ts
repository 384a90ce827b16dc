import { router } from '../../trpc.ts';
import { submit } from './submit.ts';

export const contactRouter = router({ submit });
