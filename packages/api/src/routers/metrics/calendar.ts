import type { TenantDb } from '@mfiq/db';

/** The organization's timezone and week start: every period is counted in them. */
export async function orgCalendar(db: TenantDb, tenantId: string) {
  const org = await db
    .selectFrom('organizations')
    .select(['timezone', 'weekStart'])
    .where('tenantId', '=', tenantId)
    .executeTakeFirstOrThrow();
  return { tenantId, timezone: org.timezone, weekStart: org.weekStart };
}
