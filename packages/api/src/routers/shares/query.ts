import { sql, type TenantDb } from '@mfiq/db';
import { notFound } from '../../errors.ts';
import { zonedMidnight } from '../../metrics/zoned.ts';
import { addDays } from '../../metrics/periods.ts';

/** Links with their state and who created them, newest first. */
export function selectShareLinks(db: TenantDb, tenantId: string) {
  return db
    .selectFrom('dashboardShareLinks as l')
    .leftJoin('users as u', 'u.id', 'l.createdBy')
    .select([
      'l.id',
      'l.dashboardId',
      'l.label',
      'l.prefix',
      sql<'live' | 'expired' | 'revoked'>`case when l.revoked_at is not null then 'revoked'
        when l.expires_at is not null and l.expires_at <= now() then 'expired' else 'live' end`.as('status'),
      'l.expiresAt',
      'l.revokedAt',
      'l.embedOrigins',
      sql<number>`l.view_count::float8`.as('viewCount'),
      'l.lastViewedAt',
      'u.displayName as createdBy',
      'l.createdAt',
      'l.rotatedAt',
    ])
    .where('l.tenantId', '=', tenantId)
    .orderBy('l.createdAt', 'desc')
    .orderBy('l.id');
}

export async function findShareLink(db: TenantDb, tenantId: string, id: string, opts: { forUpdate?: boolean } = {}) {
  let q = selectShareLinks(db, tenantId).where('l.id', '=', id);
  if (opts.forUpdate) q = q.forUpdate('l');
  const row = await q.executeTakeFirst();
  if (!row) throw notFound('Share link not found');
  return row;
}

/** The end of a local day (the next day's midnight) in the organization's timezone. */
export async function endOfLocalDay(db: TenantDb, tenantId: string, day: string): Promise<Date> {
  const { timezone } = await db
    .selectFrom('organizations')
    .select('timezone')
    .where('tenantId', '=', tenantId)
    .executeTakeFirstOrThrow();
  return zonedMidnight(addDays(day, 1), timezone);
}
