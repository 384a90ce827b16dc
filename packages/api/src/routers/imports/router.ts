import { router } from '../../trpc.ts';
import { errors } from './errors.ts';
import { get } from './get.ts';
import { list } from './list.ts';
import { preview } from './preview.ts';
import { start } from './start.ts';
import { upload } from './upload.ts';

export const importsRouter = router({ upload, list, get, preview, start, errors });
