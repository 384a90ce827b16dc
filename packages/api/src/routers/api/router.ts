import { router } from '../../trpc.ts';
import { metrics } from './metrics.ts';
import { push } from './push.ts';
import { series } from './series.ts';

/** Procedures for outside developers, authenticated by an API key (Authorization: Bearer <key>). */
export const apiRouter = router({ push, series, metrics });
