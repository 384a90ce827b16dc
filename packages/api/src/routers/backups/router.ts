import { router } from '../../trpc.ts';
import { exportData } from './export.ts';
import { list } from './list.ts';
import { start } from './start.ts';

export const backupsRouter = router({ list, start, export: exportData });
