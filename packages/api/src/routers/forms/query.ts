import { sql, type TenantDb } from '@mfiq/db';
import type { SecretBox } from '@mfiq/auth';
import { AppError, notFound } from '../../errors.ts';
import { newFormToken } from './token.ts';
import type { fieldInput } from './schemas.ts';
import type { z } from 'zod';

/** The summary columns of forms, with field count and the live link's prefix. */
export function selectForms(db: TenantDb, tenantId: string) {
  return db
    .selectFrom('dataForms as f')
    .leftJoin('dataFormLinks as l', (j) => j.onRef('l.tenantId', '=', 'f.tenantId').onRef('l.formId', '=', 'f.id'))
    .select([
      'f.id',
      'f.name',
      'f.description',
      sql<boolean>`f.paused_at is not null`.as('paused'),
      'f.daysBack',
      sql<number>`(select count(*)::int from data_form_fields x where x.tenant_id = f.tenant_id and x.form_id = f.id)`.as(
        'fieldCount',
      ),
      'f.submissionCount',
      'f.lastSubmittedAt',
      'l.prefix as linkPrefix',
      'f.createdAt',
    ])
    .where('f.tenantId', '=', tenantId);
}

export async function findForm(db: TenantDb, tenantId: string, id: string, opts: { forUpdate?: boolean } = {}) {
  let q = selectForms(db, tenantId).where('f.id', '=', id);
  if (opts.forUpdate) q = q.forUpdate('f');
  const form = await q.executeTakeFirst();
  if (!form) throw notFound('No such form');
  return form;
}

export function formFields(db: TenantDb, tenantId: string, formId: string) {
  return db
    .selectFrom('dataFormFields as x')
    .innerJoin('metrics as m', (j) => j.onRef('m.tenantId', '=', 'x.tenantId').onRef('m.id', '=', 'x.metricId'))
    .select(['x.id', 'm.key as metricKey', 'm.name as metricName', 'x.label', 'x.help', 'x.position'])
    .where('x.tenantId', '=', tenantId)
    .where('x.formId', '=', formId)
    .orderBy('x.position')
    .orderBy('x.id')
    .execute();
}

type FieldInput = z.infer<typeof fieldInput>;

/**
 * Resolves the chosen metrics (by key, in this organization only) to the rows fields store. A key
 * that is unknown here, a formula (computed, never written) or archived metric is refused with a
 * message per field.
 */
export async function resolveFields(db: TenantDb, tenantId: string, fields: FieldInput[]) {
  const keys = fields.map((f) => f.metricKey);
  const metrics = await db
    .selectFrom('metrics')
    .select(['id', 'key', 'name', 'formula', 'archivedAt'])
    .where('tenantId', '=', tenantId)
    .where('key', 'in', keys)
    .execute();
  const byKey = new Map(metrics.map((m) => [m.key, m]));
  const errors: string[] = [];
  const rows = fields.map((f, position) => {
    const m = byKey.get(f.metricKey);
    if (!m) errors.push(`fields.${position}: no metric with key "${f.metricKey}"`);
    else if (m.formula)
      errors.push(`fields.${position}: "${f.metricKey}" is a formula metric: it is computed, not entered`);
    else if (m.archivedAt) errors.push(`fields.${position}: "${f.metricKey}" is archived`);
    return {
      metricId: m?.id ?? '',
      metricKey: f.metricKey,
      label: f.label || m?.name || f.metricKey,
      help: f.help,
      position,
    };
  });
  if (errors.length) throw new AppError('INVALID', errors.slice(0, 5).join('; '), { fieldErrors: { fields: errors } });
  return rows;
}

/**
 * Gives a form a new link, replacing the old one in the same statement's transaction: the old
 * token stops resolving the moment this commits. The token is sealed under the application key
 * (editors copy the link again later); only its hash finds it.
 */
export async function replaceLink(db: TenantDb, box: SecretBox, tenantId: string, formId: string, userId: string) {
  const { token, hash, prefix } = newFormToken();
  await db.deleteFrom('dataFormLinks').where('tenantId', '=', tenantId).where('formId', '=', formId).execute();
  await db
    .insertInto('dataFormLinks')
    .values({ tenantId, formId, tokenHash: hash, tokenSealed: box.seal(token), prefix, createdBy: userId })
    .execute();
  return { token, prefix };
}
