import { z } from 'zod';

/** The bounds the database enforces too (0004 and 0053). */
export const AUDIT_RETENTION_DAYS = { min: 30, max: 3650 } as const;
export const DATA_RETENTION_DAYS = { min: 30, max: 36500 } as const;

const days = (what: string, b: { min: number; max: number }) =>
  z
    .number({ error: `${what} is a number of days` })
    .int(`${what} is whole days`)
    .min(b.min, `${what} is at least ${b.min} days`)
    .max(b.max, `${what} is at most ${b.max} days`);

export const retentionInput = z.object({
  auditRetentionDays: days('Audit log retention', AUDIT_RETENTION_DAYS),
  /** null: data points are kept until deleted. */
  dataRetentionDays: days('Data point retention', DATA_RETENTION_DAYS).nullable(),
  /** null: the operator's default. The upper bound is the operator's, checked in the handler too. */
  backupKeepDaily: z
    .number({ error: 'Daily backups kept is a number' })
    .int('Daily backups kept is a whole number')
    .min(1, 'Keep at least 1 daily backup')
    .max(366, 'Keep at most 366 daily backups')
    .nullable(),
  backupKeepWeekly: z
    .number({ error: 'Weekly backups kept is a number' })
    .int('Weekly backups kept is a whole number')
    .min(0, 'Weekly backups kept is 0 or more')
    .max(520, 'Keep at most 520 weekly backups')
    .nullable(),
});

const bounds = z.object({ min: z.number(), max: z.number() });

export const retentionOutput = z.object({
  auditRetentionDays: z.number(),
  dataRetentionDays: z.number().nullable(),
  backupKeepDaily: z.number().nullable(),
  backupKeepWeekly: z.number().nullable(),
  bounds: z.object({ audit: bounds, data: bounds, backupDaily: bounds, backupWeekly: bounds }),
  /** What applies when the owner has not chosen (the operator's defaults). */
  defaults: z.object({ backupKeepDaily: z.number(), backupKeepWeekly: z.number() }),
});
