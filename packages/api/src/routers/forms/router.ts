import { router } from '../../trpc.ts';
import { create } from './create.ts';
import { remove } from './delete.ts';
import { get } from './get.ts';
import { link } from './link.ts';
import { list } from './list.ts';
import { publicGet } from './public-get.ts';
import { rotateLink } from './rotate-link.ts';
import { setPaused } from './set-paused.ts';
import { submit } from './submit.ts';
import { update } from './update.ts';

export const formsRouter = router({
  list,
  get,
  create,
  update,
  setPaused,
  rotateLink,
  link,
  delete: remove,
  publicGet,
  submit,
});
