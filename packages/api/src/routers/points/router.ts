import { router } from '../../trpc.ts';
import { remove } from './delete.ts';
import { list } from './list.ts';
import { upsert } from './upsert.ts';

export const pointsRouter = router({ list, upsert, delete: remove });
