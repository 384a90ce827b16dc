import { sql, type TenantDb } from '@mfiq/db';
import type { TargetDef } from '../../metrics/targets.ts';

export function selectTargets(db: TenantDb, tenantId: string) {
  return db
    .selectFrom('metricTargets')
    .select([
      'id',
      'kind',
      'grain',
      'value',
      sql<string | null>`starts_on::text`.as('startsOn'),
      sql<string | null>`ends_on::text`.as('endsOn'),
      'metricId',
    ])
    .where('tenantId', '=', tenantId)
    .orderBy('createdAt');
}

export const toDef = ({ metricId: _m, ...t }: TargetDef & { metricId: string }): TargetDef => t;
