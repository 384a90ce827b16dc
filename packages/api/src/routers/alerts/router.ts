import { router } from '../../trpc.ts';
import { acknowledge } from './acknowledge.ts';
import { channels, createChannel, deleteChannel, rotateChannelSecret, setChannelDisabled } from './channels.ts';
import { create } from './create.ts';
import { remove } from './delete.ts';
import { get } from './get.ts';
import { list } from './list.ts';
import { mute, unmute } from './mute.ts';
import { preview } from './preview.ts';
import { setPaused } from './set-paused.ts';
import { update } from './update.ts';

export const alertsRouter = router({
  list,
  get,
  create,
  update,
  delete: remove,
  setPaused,
  preview,
  acknowledge,
  mute,
  unmute,
  channels,
  createChannel,
  rotateChannelSecret,
  setChannelDisabled,
  deleteChannel,
});
