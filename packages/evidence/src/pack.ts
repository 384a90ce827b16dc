import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import yazl from 'yazl';
import { sql, verifyTenantChain, type TenantDb } from '@mfiq/db';
import { SECURITY_SECTIONS, SECURITY_UPDATED } from './claims.ts';
import { proofResult, type TestReport } from './test-report.ts';

export interface EvidenceOptions {
  tenantId: string;
  generatedAt: Date;
  /** Who asked: the owner's email (web) or operator:<name> (CLI). */
  generatedBy: string;
  /** AUDIT_CHECKPOINT_KEY when the caller holds it (the CLI): the checkpoint's signature is checked. */
  checkpointKey?: Buffer;
  report: TestReport | null;
  /** Why there is no report, when there is none. */
  reportMissing: string | null;
}

/** One archive's worth of evidence: file name -> JSON content. */
export type EvidencePack = Record<string, unknown>;

const hex = (b: Buffer | null | undefined) => (b ? b.toString('hex') : null);

/**
 * The organization's security evidence, read inside its tenant transaction (so row-level
 * security scopes every organization row it reads): the row-level security catalog of every
 * tenant table, the database roles and their attributes, the audit chain's verification with its
 * last signed checkpoint, the last restore drill, the organization's security and retention
 * settings, and every /security claim with the test that proves it and that test's last result in
 * CI. docs/decisions/0125-evidence-pack.md.
 */
export async function collectEvidence(trx: TenantDb, opts: EvidenceOptions): Promise<EvidencePack> {
  const { tenantId } = opts;
  const org = await trx
    .selectFrom('organizations')
    .select([
      'slug',
      'name',
      'requireTwoFactor',
      'sessionIdleMinutes',
      'sessionAbsoluteHours',
      'auditRetentionDays',
      'dataRetentionDays',
      'backupKeepDaily',
      'backupKeepWeekly',
      'lockedAt',
      'lockKind',
      'deletionDueAt',
    ])
    .where('tenantId', '=', tenantId)
    .executeTakeFirstOrThrow();

  const rls = await sql<{
    table: string;
    rlsEnabled: boolean;
    rlsForced: boolean;
    policies: { name: string; command: string; roles: string[]; using: string | null; withCheck: string | null }[];
  }>`
    select c.relname::text as table, c.relrowsecurity as rls_enabled, c.relforcerowsecurity as rls_forced,
           coalesce((select json_agg(json_build_object('name', p.policyname, 'command', p.cmd, 'roles', p.roles,
                                                       'using', p.qual, 'withCheck', p.with_check) order by p.policyname)
                       from pg_policies p where p.schemaname = 'public' and p.tablename = c.relname), '[]'::json) as policies
      from pg_class c
     where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
       and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)
     order by 1`.execute(trx);
  const tables = rls.rows.map((t) => {
    const isolation = t.policies.find((p) => p.name === 'tenant_isolation');
    return {
      ...t,
      tenantIsolation: Boolean(
        isolation &&
        isolation.command === 'ALL' &&
        isolation.using?.includes('app_current_tenant()') &&
        isolation.withCheck?.includes('app_current_tenant()'),
      ),
    };
  });

  const roles = await sql<{
    role: string;
    superuser: boolean;
    bypassRls: boolean;
    createRole: boolean;
    createDb: boolean;
    canLogin: boolean;
    inherit: boolean;
    ownsTables: number;
  }>`
    select r.rolname::text as role, r.rolsuper as superuser, r.rolbypassrls as bypass_rls,
           r.rolcreaterole as create_role, r.rolcreatedb as create_db, r.rolcanlogin as can_login,
           r.rolinherit as inherit,
           (select count(*)::int from pg_class c where c.relowner = r.oid and c.relnamespace = 'public'::regnamespace) as owns_tables
      from pg_roles r where r.rolname like 'mfiq\\_%' order by 1`.execute(trx);

  const chain = await verifyTenantChain(trx, opts.checkpointKey ? { checkpointKey: opts.checkpointKey } : {});
  const checkpoint = await trx
    .selectFrom('auditCheckpoints')
    .select(['sequence', 'hash', 'purgedRows', 'keyId', 'signature', 'createdAt'])
    .where('tenantId', '=', tenantId)
    .orderBy('sequence', 'desc')
    .limit(1)
    .executeTakeFirst();

  const drill = (status?: 'passed') => {
    let q = trx
      .selectFrom('restoreDrills')
      .select([
        'id',
        'backupId',
        'backupTakenAt',
        'trigger',
        'status',
        'startedAt',
        'finishedAt',
        'tables',
        'rows',
        'mismatches',
        'error',
      ])
      .where('tenantId', '=', tenantId)
      .orderBy('finishedAt', 'desc')
      .limit(1);
    if (status) q = q.where('status', '=', status);
    return q.executeTakeFirst();
  };

  const claims = SECURITY_SECTIONS.flatMap((s) =>
    s.groups.flatMap((g) =>
      g.claims.map((c) => ({
        section: s.title,
        group: g.title,
        id: c.id,
        text: c.text,
        provenBy: c.proof,
        lastResultInCi: proofResult(opts.report, c.proof),
      })),
    ),
  );

  return {
    'organization.json': {
      slug: org.slug,
      name: org.name,
      generatedAt: opts.generatedAt.toISOString(),
      generatedBy: opts.generatedBy,
    },
    'rls-catalog.json': {
      allTenantTablesForced: tables.every((t) => t.rlsEnabled && t.rlsForced && t.tenantIsolation),
      tables,
    },
    'roles.json': { roles: roles.rows },
    'audit-chain.json': {
      verification: chain,
      lastCheckpoint: checkpoint
        ? {
            sequence: checkpoint.sequence,
            hash: hex(checkpoint.hash),
            purgedRows: checkpoint.purgedRows,
            keyId: checkpoint.keyId,
            signature: hex(checkpoint.signature),
            createdAt: checkpoint.createdAt,
            signatureChecked: opts.checkpointKey ? 'valid' : 'unchecked: the checkpoint key is held by the operators',
          }
        : null,
    },
    'restore-drill.json': { last: (await drill()) ?? null, lastPassed: (await drill('passed')) ?? null },
    'security-policy.json': {
      requireTwoFactor: org.requireTwoFactor,
      sessionIdleMinutes: org.sessionIdleMinutes,
      sessionAbsoluteHours: org.sessionAbsoluteHours,
      retention: {
        auditLogDays: org.auditRetentionDays,
        dataPointDays: org.dataRetentionDays,
        backupKeepDaily: org.backupKeepDaily,
        backupKeepWeekly: org.backupKeepWeekly,
      },
      lock: { lockedAt: org.lockedAt, kind: org.lockKind, deletionDueAt: org.deletionDueAt },
    },
    'claims.json': {
      securityPageUpdated: SECURITY_UPDATED,
      testReport: opts.report
        ? {
            file: opts.report.file,
            startedAt: opts.report.startedAt.toISOString(),
            success: opts.report.success,
            tests: opts.report.tests,
            failed: opts.report.failed,
          }
        : { missing: opts.reportMissing },
      claims,
    },
  };
}

const README = `Security evidence pack

organization.json     which organization, when, for whom
rls-catalog.json      every tenant table: row-level security enabled and forced, and its policies
roles.json            the database roles and their attributes (none is a superuser or bypasses RLS)
audit-chain.json      the audit log's hash chain verified now, and its last signed retention checkpoint
restore-drill.json    the last restore drill (and the last that passed): backup, tables, rows, outcome
security-policy.json  the organization's two-factor, session, retention and lock settings
claims.json           every statement of /security, the test that proves it and its last result in CI
manifest.json         the SHA-256 of each file above
`;

/** The pack as a zip: one JSON file per part, a README and a manifest of checksums. */
export function evidenceZip(pack: EvidencePack, mtime: Date): Readable {
  const zip = new yazl.ZipFile();
  const manifest: Record<string, string> = {};
  const add = (name: string, body: Buffer) => {
    manifest[name] = createHash('sha256').update(body).digest('hex');
    zip.addBuffer(body, name, { mtime });
  };
  add('README.txt', Buffer.from(README));
  for (const [name, content] of Object.entries(pack)) add(name, Buffer.from(`${JSON.stringify(content, null, 2)}\n`));
  zip.addBuffer(Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`), 'manifest.json', { mtime });
  zip.end();
  return zip.outputStream as unknown as Readable;
}
