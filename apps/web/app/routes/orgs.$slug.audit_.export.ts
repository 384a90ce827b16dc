import { data, type ActionFunctionArgs } from '@remix-run/node';
import { exportStream } from '../lib/audit-export.server.ts';
import { readFilters } from '../lib/audit-filters.ts';
import { serverApi, toResponse } from '../trpc.server.ts';

/**
 * POST /orgs/:slug/audit/export (format=csv|ndjson + the page's filters): the filtered log as a
 * streamed download. A POST, so the same-origin check applies; the export is recorded in the audit
 * log (audit.recordExport) before the first row is sent.
 */
export async function action(args: ActionFunctionArgs) {
  const slug = args.params.slug ?? '';
  const form = await args.request.formData();
  const format = form.get('format');
  if (format !== 'csv' && format !== 'ndjson')
    throw data({ message: 'Format is csv or ndjson' }, { status: 400, statusText: 'Bad Request' });
  const filters = readFilters((k) => form.get(k));
  const { caller } = await serverApi(args);
  try {
    await caller.audit.recordExport({ slug, format, ...filters });
  } catch (error) {
    throw toResponse(error, args.request);
  }
  const fmt = format;
  const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
  return new Response(exportStream(caller, slug, filters, fmt), {
    headers: {
      'Content-Type': fmt === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      'Content-Disposition': `attachment; filename="audit-${slug}-${stamp}.${fmt === 'csv' ? 'csv' : 'ndjson'}"`,
      'Cache-Control': 'no-store',
    },
  });
}

export function loader() {
  return data({ message: 'Export with POST from the audit page.' }, { status: 405, headers: { Allow: 'POST' } });
}
