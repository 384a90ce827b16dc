import { sql } from '@mfiq/db';
import { EXIT, type CliCommand } from '../command.ts';
import { operatorContext, stringOpt, findOrganization, platformAudit, UsageError, withTenant } from '../operator.ts';

const SINCE = /^(\d{1,4})([mhd])$/;
const UNIT = { m: 'minutes', h: 'hours', d: 'days' } as const;

/**
 * Recent security events for triage: failed sign-ins grouped by IP, rate-limit hits grouped by IP
 * and form, and permission denials per organization: from the audit logs and the outboxes (events
 * not yet drained), so nothing is missed whether or not the worker has archived it.
 */
export const command: CliCommand = {
  name: ['security', 'events'],
  summary: 'List recent failed sign-ins by IP, rate-limit hits and permission denials',
  audits: 'security_events.listed',
  options: {
    since: { type: 'string', description: 'how far back: 90m, 24h or 7d (default 24h)' },
    org: { type: 'string', description: 'the organization slug' },
    json: { type: 'boolean', description: 'print JSON' },
  },
  async run(values, cli) {
    const ctx = operatorContext(cli);
    const sinceRaw = stringOpt(values, 'since') ?? '24h';
    const m = SINCE.exec(sinceRaw);
    if (!m) throw new UsageError('--since takes a number and a unit: 90m, 24h or 7d.');
    const interval = `${Number(m[1])} ${UNIT[m[2] as keyof typeof UNIT]}`;
    const slug = stringOpt(values, 'org');

    const failedSignIns = await sql<{ ip: string | null; attempts: number; emails: number; last: Date }>`
      select ip, count(*)::int as attempts, count(distinct after->>'email')::int as emails, max(occurred_at) as last
        from (select action, ip, after, occurred_at from platform_audit_outbox
              union all select action, ip, after, occurred_at from platform_audit_log) e
       where action = 'user.sign_in_failed' and occurred_at > now() - ${interval}::interval
       group by ip order by attempts desc, last desc limit 50`.execute(ctx.db);
    const rateLimited = await sql<{ ip: string | null; form: string | null; hits: number; last: Date }>`
      select ip, target_id as form, count(*)::int as hits, max(occurred_at) as last
        from (select action, ip, target_id, occurred_at from platform_audit_outbox
              union all select action, ip, target_id, occurred_at from platform_audit_log) e
       where action = 'abuse.rate_limited' and occurred_at > now() - ${interval}::interval
       group by ip, target_id order by hits desc, last desc limit 50`.execute(ctx.db);

    const orgs = slug
      ? [await findOrganization(ctx, slug)]
      : await ctx.db
          .selectFrom('organizations')
          .select(['tenantId', 'slug', 'name', 'lockedAt'])
          .orderBy('slug')
          .execute();
    const denials: { org: string; actor: string | null; procedure: string | null; count: number; last: Date }[] = [];
    for (const org of orgs) {
      const rows = await withTenant(ctx.db, { tenantId: org.tenantId, evenIfLocked: true }, (trx) =>
        sql<{ actor: string | null; procedure: string | null; count: number; last: Date }>`
          select actor_display as actor, target_id as procedure, count(*)::int as count, max(occurred_at) as last
            from (select tenant_id, action, actor_display, target_id, occurred_at from audit_outbox
                  union all select tenant_id, action, actor_display, target_id, occurred_at from audit_log) e
           where tenant_id = ${org.tenantId} and action = 'permission.denied' and occurred_at > now() - ${interval}::interval
           group by actor_display, target_id`.execute(trx),
      );
      for (const r of rows.rows) denials.push({ org: org.slug, ...r });
    }
    denials.sort((a, b) => b.count - a.count);

    await platformAudit(ctx, {
      action: 'security_events.listed',
      target: { type: 'platform', id: slug ?? 'all' },
      after: {
        since: sinceRaw,
        failedSignInIps: failedSignIns.rows.length,
        rateLimited: rateLimited.rows.length,
        denials: denials.length,
      },
    });

    if (values.json) {
      ctx.out(
        JSON.stringify(
          {
            since: sinceRaw,
            failedSignIns: failedSignIns.rows,
            rateLimited: rateLimited.rows,
            permissionDenials: denials,
          },
          null,
          2,
        ),
      );
      return EXIT.ok;
    }
    const at = (d: Date) => new Date(d).toISOString();
    ctx.out(`Security events in the last ${sinceRaw}:`);
    ctx.out(`\nFailed sign-ins by IP (${failedSignIns.rows.length}):`);
    for (const r of failedSignIns.rows)
      ctx.out(
        `  ${(r.ip ?? 'unknown').padEnd(40)} ${String(r.attempts).padStart(5)} attempts  ${r.emails} email(s)  last ${at(r.last)}`,
      );
    ctx.out(`\nRate-limit hits (${rateLimited.rows.length}):`);
    for (const r of rateLimited.rows)
      ctx.out(
        `  ${(r.ip ?? 'unknown').padEnd(40)} ${(r.form ?? '').padEnd(10)} ${String(r.hits).padStart(5)} window(s)  last ${at(r.last)}`,
      );
    ctx.out(`\nPermission denials (${denials.length}):`);
    for (const r of denials)
      ctx.out(
        `  ${r.org.padEnd(24)} ${(r.actor ?? '').padEnd(32)} ${(r.procedure ?? '').padEnd(20)} ${String(r.count).padStart(5)}  last ${at(r.last)}`,
      );
    return EXIT.ok;
  },
};
