import type { TenantDb } from '@mfiq/db';
import { notFound } from '../../errors.ts';
import { addDays, localDate } from '../../metrics/periods.ts';
import { orgCalendar } from '../metrics/calendar.ts';
import { formTokenHash, isFormToken } from './token.ts';

/** One answer for a malformed, unknown, rotated or deleted link: nothing about which. */
export const linkGone = () =>
  notFound('This form link is not valid. It may have been replaced by a new one: ask the person who sent it.');

/** The hash a link token is found by, or null when the token cannot be one of ours. */
export function linkHash(token: string): string | null {
  return isFormToken(token) ? formTokenHash(token) : null;
}

/** The fields a public page shows and accepts, in order, with their metric's state. */
export function publicFields(db: TenantDb, tenantId: string, formId: string) {
  return db
    .selectFrom('dataFormFields as x')
    .innerJoin('metrics as m', (j) => j.onRef('m.tenantId', '=', 'x.tenantId').onRef('m.id', '=', 'x.metricId'))
    .select(['x.id', 'x.label', 'x.help', 'm.key as metricKey', 'm.unit', 'm.currency', 'm.formula', 'm.archivedAt'])
    .where('x.tenantId', '=', tenantId)
    .where('x.formId', '=', formId)
    .orderBy('x.position')
    .orderBy('x.id')
    .execute();
}

/**
 * Which local dates a submission through this form may be for: today in the organization's
 * timezone and the form's `daysBack` days before it. Nothing older (history stays as it is) and
 * nothing ahead.
 */
export async function dateWindow(db: TenantDb, tenantId: string, formId: string, now: Date) {
  const { timezone } = await orgCalendar(db, tenantId);
  const { daysBack } = await db
    .selectFrom('dataForms')
    .select('daysBack')
    .where('tenantId', '=', tenantId)
    .where('id', '=', formId)
    .executeTakeFirstOrThrow();
  const today = localDate(now, timezone);
  return { timezone, today, earliest: addDays(today, -daysBack) };
}
