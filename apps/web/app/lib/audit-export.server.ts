import type { Caller } from '../trpc.server.ts';
import type { AuditFilters } from './audit-filters.ts';
import { csvCell } from './csv.ts';

type Page = Awaited<ReturnType<Caller['audit']['list']>>;
type AuditEvent = Page['events'][number];

const CSV_COLUMNS = [
  'sequence',
  'occurred_at',
  'action',
  'outcome',
  'actor_type',
  'actor_id',
  'actor_display',
  'target_type',
  'target_id',
  'target_display',
  'ip',
  'user_agent',
  'request_id',
  'before',
  'after',
  'hash',
] as const;

function csvRow(e: AuditEvent): string {
  return [
    e.sequence,
    e.occurredAt.toISOString(),
    e.action,
    e.outcome,
    e.actor.type,
    e.actor.id,
    e.actor.display,
    e.target?.type,
    e.target?.id,
    e.target?.display,
    e.ip,
    e.userAgent,
    e.requestId,
    e.before,
    e.after,
    e.hash,
  ]
    .map(csvCell)
    .join(',');
}

function ndjsonRow(e: AuditEvent): string {
  return JSON.stringify({ ...e, occurredAt: e.occurredAt.toISOString() });
}

/**
 * Streams the filtered log, newest first, a page per pull: each page is its own tenant transaction
 * through the procedure (so the permission is checked again on every page), keyed on sequence.
 */
export function exportStream(
  caller: Caller,
  slug: string,
  filters: AuditFilters,
  format: 'csv' | 'ndjson',
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let cursor: string | null | undefined;
  let headerSent = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!headerSent && format === 'csv') {
        headerSent = true;
        controller.enqueue(encoder.encode(`${CSV_COLUMNS.join(',')}\r\n`));
        return;
      }
      if (cursor === null) {
        controller.close();
        return;
      }
      const page = await caller.audit.list({ slug, ...filters, limit: 500, ...(cursor ? { cursor } : {}) });
      const lines = page.events.map(format === 'csv' ? csvRow : ndjsonRow);
      if (lines.length)
        controller.enqueue(
          encoder.encode(lines.join(format === 'csv' ? '\r\n' : '\n') + (format === 'csv' ? '\r\n' : '\n')),
        );
      cursor = page.nextCursor;
    },
  });
}
