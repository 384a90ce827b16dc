import { router } from '../../trpc.ts';
import { list } from './list.ts';
import { markRead } from './mark-read.ts';
import { follow, settings, updateSettings } from './settings.ts';
import { unreadCounts } from './unread-counts.ts';

export const notificationsRouter = router({ unreadCounts, list, markRead, settings, updateSettings, follow });
