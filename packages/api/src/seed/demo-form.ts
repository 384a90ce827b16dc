import { SecretBoxError, type SecretBox } from '@mfiq/auth';
import type { TenantDb } from '@mfiq/db';
import { audit } from '../audit.ts';
import { replaceLink } from '../routers/forms/query.ts';

/** A public data form the support lead fills in every Friday: the Forms tab is not empty on day one. */
export const DEMO_FORM = {
  name: 'Weekly support check-in',
  description: 'Numbers from the support desk for the week. One answer per Friday is enough.',
  fields: [
    { metric: 'support_tickets', label: 'Tickets opened this week', help: 'From the help desk report, all channels.' },
    {
      metric: 'first_response_time',
      label: 'Median first response (seconds)',
      help: 'The help desk shows minutes: multiply by 60.',
    },
    { metric: 'nps', label: 'NPS from this week’s survey', help: 'Between -100 and 100.' },
  ],
} as const;

/**
 * Creates the demo form once (with its link, sealed under the application key like any other) and
 * returns its token so the launcher can print the public link; null when the link was sealed
 * under another key (the data directory's key was replaced) and cannot be shown.
 */
export async function seedDemoForm(
  trx: TenantDb,
  tenantId: string,
  box: SecretBox,
  ownerId: string,
): Promise<string | null> {
  const existing = await trx
    .selectFrom('dataForms as f')
    .leftJoin('dataFormLinks as l', (j) => j.onRef('l.tenantId', '=', 'f.tenantId').onRef('l.formId', '=', 'f.id'))
    .select(['f.id', 'l.tokenSealed'])
    .where('f.tenantId', '=', tenantId)
    .where('f.name', '=', DEMO_FORM.name)
    .executeTakeFirst();
  if (existing?.tokenSealed) {
    try {
      return box.open(existing.tokenSealed);
    } catch (error) {
      if (error instanceof SecretBoxError) return null;
      throw error;
    }
  }
  const formId =
    existing?.id ??
    (
      await trx
        .insertInto('dataForms')
        .values({ tenantId, name: DEMO_FORM.name, description: DEMO_FORM.description, createdBy: ownerId })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
  if (!existing) {
    const metrics = await trx
      .selectFrom('metrics')
      .select(['id', 'key'])
      .where('tenantId', '=', tenantId)
      .where(
        'key',
        'in',
        DEMO_FORM.fields.map((f) => f.metric),
      )
      .execute();
    const idOf = new Map(metrics.map((m) => [m.key, m.id]));
    await trx
      .insertInto('dataFormFields')
      .values(
        DEMO_FORM.fields.map((f, position) => ({
          tenantId,
          formId,
          metricId: idOf.get(f.metric)!,
          label: f.label,
          help: f.help,
          position,
        })),
      )
      .execute();
  }
  const link = await replaceLink(trx, box, tenantId, formId, ownerId);
  await audit(
    {
      db: trx,
      tenant: { id: tenantId },
      actor: { type: 'system', id: null, display: 'demo seed' },
      request: { ip: null, userAgent: null, requestId: 'seed' },
    },
    {
      action: 'data_form.created',
      target: { type: 'data_form', id: formId, display: DEMO_FORM.name },
      after: { name: DEMO_FORM.name, fields: DEMO_FORM.fields.map((f) => f.metric), linkPrefix: link.prefix },
    },
  );
  return link.token;
}
