import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { collectEvidence, evidenceZip, readTestReport } from '@mfiq/evidence';
import { EXIT, type CliCommand } from '../command.ts';
import { findOrganization, operatorContext, stringOpt, tenantAudit, withTenant } from '../operator.ts';

/**
 * `mfiq evidence export --org SLUG [--out FILE]`: the organization's security evidence pack, the
 * same archive its owners download from /orgs/<slug>/security, read inside its tenant. With
 * AUDIT_CHECKPOINT_KEY set the audit checkpoint's signature is checked; TEST_REPORT_FILE names the
 * last CI run's vitest report (default .data/ci/test-report.json). Audited as evidence.exported.
 */
export const command: CliCommand = {
  name: ['evidence', 'export'],
  summary: "Write an organization's security evidence pack (zip)",
  audits: 'evidence.exported',
  options: {
    org: { type: 'string', required: true, description: 'the organization slug' },
    out: {
      type: 'string',
      description: 'the zip to write (created, never overwritten); default <slug>-security-evidence-<time>.zip',
    },
  },
  async run(values, cli) {
    const ctx = operatorContext(cli);
    const org = await findOrganization(ctx, String(values.org));
    const generatedAt = new Date();
    const stamp = generatedAt.toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
    const file = stringOpt(values, 'out') ?? `${org.slug}-security-evidence-${stamp}.zip`;
    // Opened first: a file that exists already is refused before anything is read or recorded.
    const sink = createWriteStream(file, { flags: 'wx', mode: 0o600 });
    await once(sink, 'open');
    const { report, why } = await readTestReport(cli.env.TEST_REPORT_FILE?.trim() || undefined);
    const checkpointKey = cli.env.AUDIT_CHECKPOINT_KEY ? Buffer.from(cli.env.AUDIT_CHECKPOINT_KEY, 'utf8') : undefined;
    const pack = await withTenant(ctx.db, { tenantId: org.tenantId, evenIfLocked: true }, async (trx) => {
      const collected = await collectEvidence(trx, {
        tenantId: org.tenantId,
        generatedAt,
        generatedBy: `operator:${ctx.operator}`,
        ...(checkpointKey ? { checkpointKey } : {}),
        report,
        reportMissing: why,
      });
      await tenantAudit(ctx, trx, org.tenantId, {
        action: 'evidence.exported',
        target: { type: 'organization', id: org.tenantId, display: org.name },
        after: { file, testReport: report ? report.startedAt.toISOString() : null },
      });
      return collected;
    });
    await pipeline(evidenceZip(pack, generatedAt), sink);
    ctx.out(`Wrote the security evidence of ${org.slug} to ${file}.`);
    if (!report) cli.err(`note: ${why}; each claim's last CI result reads "no report"`);
    return EXIT.ok;
  },
};
