import { router } from '../../trpc.ts';
import { setArchived } from './archive.ts';
import { create } from './create.ts';
import { get } from './get.ts';
import { list } from './list.ts';
import { owners } from './owners.ts';
import { periodToDate } from './period-to-date.ts';
import { series } from './series.ts';
import { update } from './update.ts';

export const metricsRouter = router({ list, get, owners, create, update, setArchived, series, periodToDate });
