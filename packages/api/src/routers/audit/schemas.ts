import { z } from 'zod';
import { AUDIT_ACTIONS } from '../../audit-actions.ts';

/** Longest time range one query may ask for: an export of more is a series of exports. */
const MAX_RANGE_DAYS = 366;
const EARLIEST = Date.UTC(2000, 0, 1);
const LATEST = Date.UTC(2100, 0, 1);

const instant = (label: string) =>
  z
    .string({ error: `${label} must be a date and time` })
    .max(40, `${label} is at most 40 characters`)
    .refine(
      (v) => !Number.isNaN(Date.parse(v)) && /^\d{4}-\d{2}-\d{2}/.test(v),
      `${label} must be an ISO date, e.g. 2026-01-31 or 2026-01-31T12:00:00Z`,
    )
    .transform((v) => new Date(v))
    .refine((d) => d.getTime() >= EARLIEST && d.getTime() < LATEST, `${label} must be between 2000 and 2100`);

/**
 * The filters of the audit page, its export and its history links. Everything optional; an empty
 * string counts as not given (forms send empty fields).
 */
const auditFilterShape = {
  actor: z.string().trim().max(254, 'Actor is at most 254 characters').optional(),
  // A string refined to the known list (not an enum), so pages can pass what the URL carried and
  // get this message back instead of a type error.
  action: z
    .string()
    .max(64, `Action must be one of the known actions (${AUDIT_ACTIONS.slice(0, 3).join(', ')}, ...)`)
    .refine(
      (a) => (AUDIT_ACTIONS as readonly string[]).includes(a),
      `Action must be one of the known actions (${AUDIT_ACTIONS.slice(0, 3).join(', ')}, ...)`,
    )
    .optional(),
  targetType: z
    .string()
    .trim()
    .max(40, 'Target type is at most 40 characters')
    .regex(/^[a-z_]*$/, 'Target type has only lowercase letters and underscores, e.g. member')
    .optional(),
  targetId: z.string().trim().max(200, 'Target id is at most 200 characters').optional(),
  from: instant('From').optional(),
  to: instant('To').optional(),
};

/** From before To, and a bounded range: a query never asks for decades of events at once. */
function checkRange(f: { from?: Date | undefined; to?: Date | undefined }, ctx: z.RefinementCtx): void {
  if (f.from && f.to && f.to < f.from) ctx.addIssue({ code: 'custom', path: ['to'], message: 'To must be after From' });
  if (f.from && f.to && f.to.getTime() - f.from.getTime() > MAX_RANGE_DAYS * 86_400_000) {
    ctx.addIssue({
      code: 'custom',
      path: ['to'],
      message: `The time range is at most ${MAX_RANGE_DAYS} days; narrow it or export in parts`,
    });
  }
}

export const exportInput = z
  .object({ ...auditFilterShape, format: z.enum(['csv', 'ndjson'], { error: 'Format is csv or ndjson' }) })
  .superRefine(checkRange);
export type AuditFilter = Omit<z.output<typeof exportInput>, 'format'>;

export const listInput = z
  .object({
    ...auditFilterShape,
    cursor: z
      .string()
      .max(64, 'Cursor is at most 64 characters')
      .regex(/^[A-Za-z0-9_-]*$/, 'Cursor is malformed: use the cursor the previous page returned')
      .optional(),
    limit: z
      .number()
      .int('Limit must be a whole number')
      .min(1, 'Limit is 1 to 500')
      .max(500, 'Limit is 1 to 500')
      .default(50),
  })
  .superRefine(checkRange);

export const auditEventOutput = z.object({
  sequence: z.number().int(),
  id: z.string(),
  occurredAt: z.date(),
  action: z.string(),
  outcome: z.string(),
  actor: z.object({ type: z.string(), id: z.string().nullable(), display: z.string().nullable() }),
  target: z.object({ type: z.string(), id: z.string().nullable(), display: z.string().nullable() }).nullable(),
  before: z.unknown(),
  after: z.unknown(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  requestId: z.string().nullable(),
  hash: z.string(),
});
export type AuditEventOutput = z.output<typeof auditEventOutput>;
