import { router } from '../../trpc.ts';
import { changeSlug } from './change-slug.ts';
import { create } from './create.ts';
import { cancelDeletion, deletionStatus, requestDeletion } from './deletion.ts';
import { get } from './get.ts';
import { list } from './list.ts';
import { resolveSlug } from './resolve-slug.ts';
import { update } from './update.ts';

export const orgRouter = router({
  list,
  get,
  update,
  create,
  changeSlug,
  resolveSlug,
  requestDeletion,
  deletionStatus,
  cancelDeletion,
});
