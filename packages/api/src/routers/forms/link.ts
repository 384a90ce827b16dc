import { SecretBoxError } from '@mfiq/auth';
import { z } from 'zod';
import { notFound } from '../../errors.ts';
import { requirePermission, tenantProcedure } from '../../trpc.ts';
import { formIdSchema, linkOutput } from './schemas.ts';

/**
 * The form's public link, for editors to copy. Viewers can list forms but not read links: a link
 * lets anyone write data, which a viewer cannot. A token sealed under an application key that has
 * since been replaced cannot be opened: `token: null`, and the page offers a new link.
 */
export const link = tenantProcedure
  .meta(requirePermission('forms:write'))
  .input(z.object({ id: formIdSchema }))
  .output(linkOutput)
  .query(async ({ ctx, input }) => {
    const row = await ctx.db
      .selectFrom('dataFormLinks as l')
      .innerJoin('dataForms as f', (j) => j.onRef('f.tenantId', '=', 'l.tenantId').onRef('f.id', '=', 'l.formId'))
      .select(['l.tokenSealed', 'l.prefix'])
      .where('l.tenantId', '=', ctx.tenant.id)
      .where('l.formId', '=', input.id)
      .executeTakeFirst();
    if (!row) throw notFound('This form has no link yet: create a new one');
    try {
      return { token: ctx.secretBox.open(row.tokenSealed), prefix: row.prefix };
    } catch (error) {
      if (!(error instanceof SecretBoxError)) throw error;
      return { token: null, prefix: row.prefix };
    }
  });
