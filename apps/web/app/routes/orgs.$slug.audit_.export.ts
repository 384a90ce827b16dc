import { data, type ActionFunctionArgs } from '@remix-run/node';
import { z } from 'zod';
import { auditExportInput } from '@mfiq/api/shared';
import { exportStream } from '../lib/audit-export.server.ts';
import { submitForm } from '../lib/form-action.server.ts';

/**
 * POST /orgs/:slug/audit/export (format=csv|ndjson + the page's filters): the filtered log as a
 * streamed download. A POST, so the same-origin check applies; the export is recorded in the audit
 * log (audit.recordExport) before the first row is sent.
 */
/** A filter as typed: the list calls that stream the export take the text, not the parsed dates. */
const filterText = z.string().trim().optional();

/**
 * The export form, checked by the procedure's own schema (its messages, its range limits) while
 * keeping each filter as text for audit.list, which parses it again page by page.
 */
const exportForm = z
  .object({
    format: auditExportInput.shape.format,
    actor: filterText,
    action: filterText,
    targetType: filterText,
    targetId: filterText,
    from: filterText,
    to: filterText,
  })
  .superRefine((v, ctx) => {
    for (const issue of auditExportInput.safeParse(v).error?.issues ?? [])
      ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  });

export async function action(args: ActionFunctionArgs) {
  const slug = args.params.slug ?? '';
  const outcome = await submitForm(args, exportForm, async ({ format, ...filters }, api) => {
    await api.audit.recordExport({ slug, format, ...filters });
    const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
    return new Response(exportStream(api, slug, filters, format), {
      headers: {
        'Content-Type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
        'Content-Disposition': `attachment; filename="audit-${slug}-${stamp}.${format}"`,
        'Cache-Control': 'no-store',
      },
    });
  });
  if (outcome.ok) return outcome.value;
  // A download has no form to show errors on: the messages are the 400's body.
  const message = Object.values(outcome.reply.error ?? {})
    .flat()
    .join(' ');
  const limited = outcome.apiCode === 'TOO_MANY_REQUESTS';
  throw data({ message }, { status: limited ? 429 : 400, statusText: limited ? 'Too Many Requests' : 'Bad Request' });
}

export function loader() {
  return data({ message: 'Export with POST from the audit page.' }, { status: 405, headers: { Allow: 'POST' } });
}
