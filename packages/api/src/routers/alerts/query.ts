import { sql, type TenantDb } from '@mfiq/db';
import { EVALUATE_TASK } from '../../alerts/engine.ts';
import { AppError, notFound } from '../../errors.ts';
import { clock } from '../../alerts/quiet.ts';

export async function findRule(db: TenantDb, tenantId: string, id: string, opts: { forUpdate?: boolean } = {}) {
  let q = db
    .selectFrom('alertRules as r')
    .innerJoin('metrics as m', (j) => j.onRef('m.tenantId', '=', 'r.tenantId').onRef('m.id', '=', 'r.metricId'))
    .selectAll('r')
    .select(['m.key as metricKey', 'm.name as metricName', 'm.unit', 'm.currency'])
    .where('r.tenantId', '=', tenantId)
    .where('r.id', '=', id);
  if (opts.forUpdate) q = q.forUpdate('r');
  const rule = await q.executeTakeFirst();
  if (!rule) throw notFound('No such alert rule');
  return rule;
}

export const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

export function quietHoursOf(rule: { quietStartMinute: number | null; quietEndMinute: number | null }) {
  return rule.quietStartMinute === null || rule.quietEndMinute === null
    ? null
    : { start: clock(rule.quietStartMinute), end: clock(rule.quietEndMinute) };
}

/**
 * The recipients as ids of this organization: members by membership, channels by id. An id of
 * another organization is not found under RLS, so it is refused like a made-up one.
 */
export async function checkRecipients(
  db: TenantDb,
  tenantId: string,
  recipients: { members: string[]; channels: string[] },
): Promise<void> {
  const fieldErrors: Record<string, string[]> = {};
  if (recipients.members.length) {
    const found = await db
      .selectFrom('memberships')
      .select('id')
      .where('tenantId', '=', tenantId)
      .where('id', 'in', recipients.members)
      .execute();
    if (found.length !== recipients.members.length)
      fieldErrors['recipients.members'] = ['A recipient is not a member of this organization'];
  }
  if (recipients.channels.length) {
    const found = await db
      .selectFrom('alertChannels')
      .select('id')
      .where('tenantId', '=', tenantId)
      .where('id', 'in', recipients.channels)
      .execute();
    if (found.length !== recipients.channels.length)
      fieldErrors['recipients.channels'] = ['A channel does not exist in this organization'];
  }
  const fields = Object.keys(fieldErrors);
  if (fields.length) throw new AppError('INVALID', fieldErrors[fields[0]!]![0]!, { fieldErrors });
}

export async function replaceRecipients(
  db: TenantDb,
  tenantId: string,
  ruleId: string,
  recipients: { members: string[]; channels: string[] },
): Promise<void> {
  await db.deleteFrom('alertRuleRecipients').where('tenantId', '=', tenantId).where('ruleId', '=', ruleId).execute();
  const rows = [
    ...recipients.members.map((membershipId) => ({ tenantId, ruleId, membershipId })),
    ...recipients.channels.map((channelId) => ({ tenantId, ruleId, channelId })),
  ];
  if (rows.length) await db.insertInto('alertRuleRecipients').values(rows).execute();
}

/** Queues the rule's evaluation in the saving transaction: a rule that holds already fires at once. */
export async function queueRuleEvaluation(db: TenantDb, tenantId: string, ruleId: string): Promise<void> {
  await sql`select graphile_worker.add_job(${EVALUATE_TASK},
      json_build_object('tenantId', ${tenantId}::text, 'ruleId', ${ruleId}::text),
      job_key => ${`alerts:${tenantId}:rule:${ruleId}`}, max_attempts => 5)`.execute(db);
}

/** Closes a rule's open events when what they describe no longer applies (changed or paused rule). */
export async function resolveOpenEvents(db: TenantDb, tenantId: string, ruleId: string, why: string): Promise<number> {
  const r = await db
    .updateTable('alertEvents')
    .set({ state: 'resolved', resolvedAt: new Date(), resolution: why })
    .where('tenantId', '=', tenantId)
    .where('ruleId', '=', ruleId)
    .where('state', '<>', 'resolved')
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}
