import { z } from 'zod';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { selectForms } from './query.ts';
import { formSummaryOutput } from './schemas.ts';

/** The organization's data forms, newest first (no links: those need forms:write, see link.ts). */
export const list = tenantProcedure
  .meta(requirePermission('forms:read'))
  .output(z.array(formSummaryOutput))
  .query(({ ctx }) => selectForms(ctx.db, ctx.tenant.id).orderBy('f.createdAt', 'desc').orderBy('f.id').execute());
