import { z } from 'zod';

const BACKUP_STATUSES = ['queued', 'running', 'succeeded', 'failed'] as const;

export const backupOutput = z.object({
  id: z.string(),
  kind: z.enum(['scheduled', 'manual']),
  status: z.enum(BACKUP_STATUSES),
  createdAt: z.date(),
  startedAt: z.date().nullable(),
  finishedAt: z.date().nullable(),
  rowsDone: z.number(),
  rowsTotal: z.number().nullable(),
  bytes: z.number().nullable(),
  error: z.string().nullable(),
});
export type BackupRow = z.infer<typeof backupOutput>;

export const backupIdInput = z.object({ backupId: z.uuid('Backup id must be a UUID') });

/** What the download route needs to stream the export after the procedure has authorized and audited it. */
export const exportOutput = z.object({ tenantId: z.string(), backupId: z.string(), filename: z.string() });
