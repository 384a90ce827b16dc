import { router } from '../../trpc.ts';
import { create } from './create.ts';
import { list } from './list.ts';
import { revoke } from './revoke.ts';
import { rotate } from './rotate.ts';
import { update } from './update.ts';
import { view } from './view.ts';

export const sharesRouter = router({ list, create, update, rotate, revoke, view });
