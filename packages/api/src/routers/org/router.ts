import { router } from '../../trpc.ts';
import { get } from './get.ts';
import { list } from './list.ts';
import { update } from './update.ts';

export const orgRouter = router({ list, get, update });
