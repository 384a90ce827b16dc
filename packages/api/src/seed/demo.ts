import { randomUUID } from 'node:crypto';
import { createSecretBox, hashPassword } from '@mfiq/auth';
import { sql, withNewTenant, withTenant, type Database } from '@mfiq/db';
import { audit } from '../audit.ts';
import type { Role } from '../permissions.ts';
import { seedDemoMetrics } from './demo-data.ts';
import { seedDemoForm } from './demo-form.ts';

export const DEMO_ORG = { slug: 'acme', name: 'Acme Analytics', timezone: 'Europe/Berlin', weekStart: 1 } as const;
export const DEMO_USERS: { email: string; displayName: string; role: Role }[] = [
  { email: 'owner@demo.test', displayName: 'Olivia Owner', role: 'owner' },
  { email: 'admin@demo.test', displayName: 'Adam Admin', role: 'admin' },
  { email: 'editor@demo.test', displayName: 'Edith Editor', role: 'editor' },
  { email: 'viewer@demo.test', displayName: 'Victor Viewer', role: 'viewer' },
];

/**
 * The demo organization with one user per role, a dozen metrics with a year of daily data ending
 * today, targets, a home dashboard and (given the application key, which seals its link) a public
 * data form. Idempotent: run at every start, it creates what is missing,
 * adds the days since the last run and sets the demo users' password to the one given (generated
 * once per data directory).
 */
// db: the owner connection (the launcher's), which may read organizations across tenants.
export async function seedDemo(db: Database, opts: { password: string; appKey?: string }) {
  const passwordHash = await hashPassword(opts.password);
  const existing = await db
    .selectFrom('organizations')
    .select('tenantId')
    .where('slug', '=', DEMO_ORG.slug)
    .executeTakeFirst();
  const tenantId = existing?.tenantId ?? randomUUID();
  const enter = existing ? withTenant : withNewTenant;
  const formToken = await enter(db, { tenantId }, async (trx) => {
    let ownerId: string | null = null;
    if (!existing)
      await trx
        .insertInto('organizations')
        .values({ tenantId, ...DEMO_ORG })
        .execute();
    for (const u of DEMO_USERS) {
      const user = await trx
        .insertInto('users')
        .values({ email: u.email, displayName: u.displayName, passwordHash })
        .onConflict((oc) => oc.expression(sql`lower(email)`).doUpdateSet({ passwordHash }))
        .returning('id')
        .executeTakeFirstOrThrow();
      if (u.role === 'owner') ownerId = user.id;
      const added = await trx
        .insertInto('memberships')
        .values({ tenantId, userId: user.id, role: u.role })
        .onConflict((oc) => oc.columns(['tenantId', 'userId']).doNothing())
        .returning('id')
        .executeTakeFirst();
      if (added) {
        await audit(
          {
            db: trx,
            tenant: { id: tenantId },
            actor: { type: 'system', id: null, display: 'demo seed' },
            request: { ip: null, userAgent: null, requestId: 'seed' },
          },
          {
            action: 'member.added',
            target: { type: 'membership', id: added.id, display: u.email },
            after: { role: u.role },
          },
        );
      }
    }
    await seedDemoMetrics(trx, tenantId, DEMO_ORG.timezone);
    return opts.appKey && ownerId ? seedDemoForm(trx, tenantId, createSecretBox(opts.appKey), ownerId) : null;
  });
  return {
    organizationSlug: DEMO_ORG.slug,
    users: DEMO_USERS.map(({ email, role }) => ({ email, role })),
    formPath: formToken ? `/f/${formToken}` : null,
  };
}
