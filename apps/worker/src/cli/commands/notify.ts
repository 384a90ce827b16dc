import { enqueueMail } from '@mfiq/api/mail';
import { EXIT, UsageError, type CliCommand } from '../command.ts';
import { findOrganization, operatorContext, tenantAudit, withTenant } from '../operator.ts';
import { loadTemplate, render } from '../notification-templates.ts';

const SET = /^([a-z_]+)=([\s\S]{1,2000})$/;

/**
 * `mfiq notify --org SLUG --template NAME --set field=value ... [--dry-run]`: mails the
 * organization's owners and admins a reviewed template (config/notifications), filled in with the
 * incident's facts; the mail is queued in the outbox (and erased with the organization) and the
 * notification is recorded in the organization's audit trail. --dry-run prints the recipients and
 * the mail and writes nothing. docs/runbook.md "4. Notify" says when.
 */
export const command: CliCommand = {
  name: ['notify'],
  summary: "Mail an organization's owners and admins a reviewed incident notification (--dry-run first)",
  audits: 'organization.notified',
  options: {
    org: { type: 'string', required: true, description: 'the organization slug' },
    template: { type: 'string', required: true, description: 'a template of config/notifications' },
    set: { type: 'string', multiple: true, description: 'a template field: name=value (repeat for each field)' },
    'dry-run': { type: 'boolean', description: 'print recipients and mail, send and record nothing' },
  },
  async run(values, cli) {
    const ctx = operatorContext(cli);
    const contact = cli.env.SECURITY_CONTACT?.trim();
    if (!contact) throw new UsageError('SECURITY_CONTACT is required: the address customers may answer to.');
    const template = await loadTemplate(String(values.template));
    const fields: Record<string, string> = {};
    for (const pair of (values.set as string[] | undefined) ?? []) {
      const m = SET.exec(pair);
      if (!m)
        throw new UsageError(
          `--set takes name=value (a lowercase name, at most 2000 characters): ${pair.slice(0, 40)}`,
        );
      fields[m[1]!] = m[2]!;
    }
    const org = await findOrganization(ctx, String(values.org));
    const mail = render(template, fields, { organization: org.name, slug: org.slug, security_contact: contact });
    const dryRun = values['dry-run'] === true;
    const recipients = await withTenant(ctx.db, { tenantId: org.tenantId, evenIfLocked: true }, async (trx) => {
      const to = (
        await trx
          .selectFrom('memberships')
          .innerJoin('users', 'users.id', 'memberships.userId')
          .select(['users.email', 'memberships.role'])
          .where('memberships.tenantId', '=', org.tenantId)
          .where('memberships.role', 'in', ['owner', 'admin'])
          .orderBy('memberships.role')
          .orderBy('users.email')
          .execute()
      ).map((r) => ({ email: r.email, role: r.role }));
      if (dryRun || !to.length) return to;
      for (const r of to) {
        await enqueueMail(trx, {
          kind: 'incident_notification',
          to: r.email,
          subject: mail.subject,
          text: mail.body,
          organizationId: org.tenantId,
        });
      }
      await tenantAudit(ctx, trx, org.tenantId, {
        action: 'organization.notified',
        target: { type: 'organization', id: org.tenantId, display: org.name },
        after: { template: template.name, subject: mail.subject, recipients: to.map((r) => r.email) },
      });
      return to;
    });
    if (!recipients.length) {
      ctx.out(`${org.slug} has no owners or admins to notify.`);
      return EXIT.failed;
    }
    const list = recipients.map((r) => `${r.email} (${r.role})`).join(', ');
    if (dryRun) {
      ctx.out(`DRY RUN: nothing sent or recorded. Would mail ${recipients.length} recipient(s): ${list}`);
      ctx.out(`Subject: ${mail.subject}`);
      ctx.out('');
      ctx.out(mail.body);
    } else
      ctx.out(`Queued "${mail.subject}" for ${recipients.length} recipient(s): ${list}. Recorded in the audit trail.`);
    return EXIT.ok;
  },
};
