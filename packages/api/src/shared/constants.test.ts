import { randomUUID } from 'node:crypto';
import { sql } from '@mfiq/db';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES } from '../permissions.ts';
import {
  AGGREGATIONS,
  DIRECTIONS,
  GRAINS,
  RANGE_PRESETS,
  supportedTimezones,
  UNITS,
  WEEK_STARTS,
} from './constants.ts';

let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(() => tdb.drop());

async function enumValues(type: string): Promise<string[]> {
  const { rows } = await sql<{
    value: string;
  }>`select unnest(enum_range(null::${sql.raw(type)}))::text as value`.execute(tdb.admin);
  return rows.map((r) => r.value);
}

/** A constant that drifts from its enum fails at runtime with a database error; this fails first. */
describe('shared constants match the database', () => {
  it.each([
    ['metric_grain', GRAINS],
    ['dashboard_range', RANGE_PRESETS],
    ['metric_unit', UNITS],
    ['metric_aggregation', AGGREGATIONS],
    ['metric_direction', DIRECTIONS],
    ['member_role', ROLES],
  ] as const)('%s', async (type, constant) => {
    expect(await enumValues(type)).toEqual([...constant]);
  });

  it('week starts are exactly the values organizations.week_start accepts', async () => {
    class RolledBack extends Error {}
    const accepted: number[] = [];
    for (let day = -1; day <= 7; day++) {
      const ok = await tdb.admin
        .transaction()
        .execute(async (trx) => {
          await trx
            .insertInto('organizations')
            .values({ tenantId: randomUUID(), slug: `week-${day + 1}`, name: 'Week', timezone: 'UTC', weekStart: day })
            .execute();
          throw new RolledBack();
        })
        .catch((e: unknown) => e instanceof RolledBack);
      if (ok) accepted.push(day);
    }
    expect(accepted).toEqual([...WEEK_STARTS]);
  });

  it('timezones are the ones PostgreSQL knows too (a stored timezone must work in SQL)', async () => {
    const { rows } = await sql<{ name: string }>`select name from pg_timezone_names`.execute(tdb.admin);
    const known = new Set(rows.map((r) => r.name));
    expect(supportedTimezones().filter((tz) => !known.has(tz))).toEqual([]);
  });
});
