import { router } from '../../trpc.ts';
import { list } from './list.ts';
import { recordExport } from './record-export.ts';
import { verify } from './verify.ts';

export const auditRouter = router({ list, verify, recordExport });
