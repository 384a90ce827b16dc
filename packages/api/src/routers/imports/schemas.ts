import { z } from 'zod';
import { TIMESTAMP_FORMATS } from '../../shared/constants.ts';
import { timezoneSchema } from '../org/schemas.ts';

// eslint-disable-next-line no-control-regex -- control characters are exactly what this strips
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/g;

export const importIdSchema = z.uuid({ error: 'Import id must be a UUID' });

const IMPORT_STATUSES = ['uploaded', 'queued', 'running', 'completed', 'failed'] as const;

/** The file's bytes as a stream: only the web's upload route (a server-side caller) can pass one. */
export const fileStreamSchema = z.custom<AsyncIterable<Uint8Array>>(
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    typeof (v as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function',
  'file must be the uploaded file itself: upload it from the import page',
);

export const fileNameSchema = z
  .string({ error: 'File name is required' })
  .trim()
  .min(1, 'File name is required')
  .max(255, 'File name is at most 255 characters')
  // Only the last path segment of what a browser sends; the name is for display, never a path.
  .transform((name) => name.split(/[/\\]/).pop()!.replace(CONTROL_CHARACTERS, '') || 'upload.csv');

const column = z.string().max(200, 'Column names are at most 200 characters').optional();

/**
 * How the file's columns become points. Either a metric column (each row names its metric by key)
 * or one fixed metric for the whole file. Presence and existence are checked against the file by
 * resolveMapping (imports/mapping.ts), so a form gets one message per field.
 */
export const mappingSchema = z.object({
  metricColumn: column,
  metricKey: z.string().max(63, 'Metric key is at most 63 characters').optional(),
  timestampColumn: column,
  timestampFormat: z.enum(TIMESTAMP_FORMATS, { error: `Timestamp format is one of ${TIMESTAMP_FORMATS.join(', ')}` }),
  timezone: timezoneSchema.nullish(),
  valueColumn: column,
});

export const mappingInput = { id: importIdSchema, mapping: mappingSchema };

export const importOutput = z.object({
  id: z.string(),
  fileName: z.string(),
  sizeBytes: z.number(),
  sha256: z.string(),
  header: z.array(z.string()),
  delimiter: z.string(),
  mapping: mappingSchema.nullable(),
  status: z.enum(IMPORT_STATUSES),
  rowsProcessed: z.number(),
  rowsWritten: z.number(),
  pointsChanged: z.number(),
  rowsFailed: z.number(),
  bytesProcessed: z.number(),
  error: z.string().nullable(),
  createdAt: z.date(),
  queuedAt: z.date().nullable(),
  startedAt: z.date().nullable(),
  finishedAt: z.date().nullable(),
});
export type ImportOutput = z.infer<typeof importOutput>;

export const rowErrorOutput = z.object({ line: z.number(), message: z.string() });
