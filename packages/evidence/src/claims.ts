/**
 * Every statement of the /security page, in the sections of its source text
 * (shared/seed/security-page.txt), each linked to the automated test that proves it.
 *
 * To add a claim: add one entry to the group it belongs to, with the test that proves it:
 * - `proof: test('path/from/repo/root.test.ts', 'describe > ... > it')`, naming an existing test
 *   exactly as vitest reports it (suite names and the test name joined by " > "), or
 * - `proof: page('claim-id')` and a check with that id in apps/web/test/security-page.test.ts,
 *   which runs against the real server.
 * packages/evidence/src/claims.test.ts fails when a named test does not exist; the evidence pack
 * (packages/evidence/src/pack.ts) reports each claim's test with its last result in CI. Write here
 * only what the code does now. This module is plain data: the page renders it in the browser too.
 */
export interface Proof {
  /** The test file, from the repository root. */
  file: string;
  /** The test's full name: its suites and its own name, joined by " > ". */
  test: string;
}

export interface Claim {
  id: string;
  text: string;
  proof: Proof;
}

export interface ClaimGroup {
  /** The label of a statement in the source text ("Encryption at rest"), or a heading of our own. */
  title: string;
  intro?: string;
  claims: Claim[];
}

export interface Section {
  id: string;
  /** The source text's heading, without its number. */
  title: string;
  intro?: string;
  groups: ClaimGroup[];
}

const SECURITY_PAGE_TEST = 'apps/web/test/security-page.test.ts';

/** A claim checked against the running server in apps/web/test/security-page.test.ts. */
const page = (id: string): Proof => ({
  file: SECURITY_PAGE_TEST,
  test: `the security page states only what the code does > holds: ${id}`,
});
const test = (file: string, name: string): Proof => ({ file, test: name });

export const SECURITY_UPDATED = '2026-12-06';

export const SECURITY_SECTIONS: Section[] = [
  {
    id: 'overview',
    title: 'Overview',
    intro:
      'Security is built into the core of the product: sign-in, roles and the separation of organizations are enforced by the application and again by the database.',
    groups: [
      {
        title: 'How this page is kept true',
        claims: [
          {
            id: 'claims-tested',
            text: 'Every statement on this page names the automated test that proves it. The test suite fails when a named test does not exist, and the evidence pack reports each test’s last result in continuous integration.',
            proof: test(
              'packages/evidence/src/claims.test.ts',
              'security claims > every claim names a test that exists',
            ),
          },
        ],
      },
    ],
  },
  {
    id: 'data-protection',
    title: 'Data protection',
    groups: [
      {
        title: 'Encryption in transit',
        claims: [
          {
            id: 'https',
            text: 'The server can serve HTTPS itself with a certificate and key, or run behind a TLS-terminating proxy whose forwarded headers are trusted only from the configured proxy address.',
            proof: page('https'),
          },
          { id: 'hsts', text: 'Over HTTPS every response carries Strict-Transport-Security.', proof: page('hsts') },
          {
            id: 'database-tls',
            text: 'The connection to PostgreSQL uses TLS when its URL asks for it (sslmode=require or verify-full), with the server certificate verified; it never falls back to an unencrypted connection.',
            proof: page('database-tls'),
          },
        ],
      },
      {
        title: 'Encryption at rest',
        claims: [
          {
            id: 'backups-encrypted',
            text: 'Backups and exports are encrypted with AES-256-GCM. Each organization’s backups are encrypted under a key of its own, wrapped by a master key whose id is recorded; that key lives in the database and is never written into a backup.',
            proof: test(
              'packages/backup/src/org-keys.test.ts',
              "each organization's backups are encrypted under its own key > the key is created at the first backup, kept in the database, and never written into a backup",
            ),
          },
          {
            id: 'key-rotation',
            text: 'Master keys can be rotated: the next backup re-wraps each organization’s key under the new master key, and older backups still open.',
            proof: test(
              'packages/backup/src/org-keys.test.ts',
              "each organization's backups are encrypted under its own key > after a master key rotation the next backup re-wraps the organization key, and old backups still open",
            ),
          },
          {
            id: 'backups-tamper-evident',
            text: 'A backup that was altered, cut short or moved to another organization is refused before any of it is used.',
            proof: test('packages/backup/src/backup.test.ts', 'tampering > a flipped byte in the ciphertext'),
          },
          {
            id: 'sealed-secrets',
            text: 'Two-factor secrets are sealed with AES-256-GCM under the application key before they are stored.',
            proof: test(
              'packages/auth/src/secrets.test.ts',
              'secret box (AES-256-GCM under the application key) > round-trips, never stores the plaintext, and uses a fresh IV each time',
            ),
          },
        ],
      },
      {
        title: 'Backups & resilience',
        claims: [
          {
            id: 'backup-schedule',
            text: 'Every organization is backed up every night, and its owners can start a backup at any time.',
            proof: test(
              'apps/worker/src/tasks/backup.test.ts',
              'scheduled backups, as the worker role > backup_all queues one backup per organization, and each runs to a verified backup',
            ),
          },
          {
            id: 'backup-retention',
            text: 'Backups rotate daily and weekly; each organization’s owners choose how many are kept, within the limits of the service.',
            proof: test(
              'apps/worker/src/tasks/data-retention.test.ts',
              "retention settings, applied nightly by the worker > prunes backups to the organization's chosen count, within the operator's bounds",
            ),
          },
          {
            id: 'restore-drills',
            text: 'Every night the latest backup of each organization (or a rotating sample) is restored into scratch tables and compared, table by table, with the row counts and checksums recorded from the source. Owners see the last verified restore on their backups page.',
            proof: test(
              'apps/worker/src/tasks/restore-drills.test.ts',
              'nightly restore drills, as the worker role > restores the latest backup, records that it matched the source, and audits it',
            ),
          },
          {
            id: 'drill-alerts',
            text: 'A drill that fails, for example on a damaged backup, alerts the operators (log, metric and email).',
            proof: test(
              'apps/worker/src/tasks/restore-drills.test.ts',
              'nightly restore drills, as the worker role > detects a corrupted backup: a failed drill, an operator alert (log, mail, metric)',
            ),
          },
          {
            id: 'owner-export',
            text: 'Owners can download all of their organization’s data from any backup, as one file per table.',
            proof: test(
              'packages/backup/src/export.test.ts',
              "exportZip > streams the organization's data as a zip of one NDJSON file per table, equal to its rows",
            ),
          },
        ],
      },
      {
        title: 'Retention and deletion',
        claims: [
          {
            id: 'retention-settings',
            text: 'Owners see and set how long the audit log and data points are kept; the settings are applied every night and each change is recorded in the audit trail.',
            proof: test(
              'apps/worker/src/tasks/data-retention.test.ts',
              "retention settings, applied nightly by the worker > deletes data points past the organization's own period, keeps its rollups in step, audits, and touches no one else",
            ),
          },
          {
            id: 'deletion',
            text: 'An owner can delete the organization, after confirming their password and typing its address. It is locked for everyone at once and erased after a grace period (7 days unless the service sets another), during which an owner can cancel.',
            proof: test(
              'packages/api/src/routers/org/lifecycle.test.ts',
              'deleting an organization > locks the organization for everyone during the grace period; members see the schedule, owners cancel',
            ),
          },
          {
            id: 'erasure',
            text: 'Erasure removes every row of the organization from every table (found from the database catalog, so a new table cannot be missed), with its stored files and mail.',
            proof: test(
              'apps/worker/src/tasks/erasure.test.ts',
              'erasing an organization after its grace period > then leaves zero rows with its tenant_id in every tenant table, its files and mail gone, and the others untouched',
            ),
          },
          {
            id: 'crypto-shredding',
            text: 'Erasure destroys the organization’s backup key, so every copy of every backup of it becomes unreadable.',
            proof: test(
              'apps/worker/src/tasks/erasure.test.ts',
              "erasing an organization after its grace period > makes every old backup unreadable (key destroyed), while the other organization's backups restore",
            ),
          },
          {
            id: 'erasure-record',
            text: 'An erasure leaves a record of who asked, when, and how much was erased, which cannot be changed afterwards, and the owners get a confirmation by email.',
            proof: test(
              'apps/worker/src/tasks/erasure.test.ts',
              'erasing an organization after its grace period > keeps an append-only erasure record and a platform audit event, and mails the owners',
            ),
          },
        ],
      },
    ],
  },
  {
    id: 'access',
    title: 'Access controls',
    groups: [
      {
        title: 'Authentication',
        claims: [
          {
            id: 'sign-in-required',
            text: 'Every organization page and every organization API call requires a signed-in session; only the public pages (home, security, privacy, subprocessors, contact, sign-up and sign-in) work without one.',
            proof: page('sign-in-required'),
          },
          {
            id: 'argon2id',
            text: 'Passwords are stored only as argon2id hashes (at least 19 MiB of memory, two passes), never in plain text.',
            proof: page('argon2id'),
          },
          {
            id: 'sessions-hashed',
            text: 'Sessions live on the server. The database keeps only the SHA-256 hash of each session token, so a copy of the sessions table cannot be used to sign in.',
            proof: page('sessions-hashed'),
          },
          {
            id: 'session-expiry',
            text: 'A session ends after 2 hours without activity and 7 days after sign-in at the latest (both configurable), and signing in always starts a new session.',
            proof: page('session-expiry'),
          },
          {
            id: 'cookies',
            text: 'The session cookie is HttpOnly and SameSite=Lax; over HTTPS it is also Secure and uses the __Host- prefix.',
            proof: page('cookies'),
          },
        ],
      },
      {
        title: 'Authorization',
        claims: [
          {
            id: 'roles',
            text: 'Each member of an organization has one role: owner, admin, editor or viewer. One permission matrix decides what each role may do, for the pages and the API alike.',
            proof: page('roles'),
          },
          {
            id: 'denials-recorded',
            text: "When a member tries something their role does not allow, the refusal is recorded in the organization's audit trail.",
            proof: page('denials-recorded'),
          },
        ],
      },
      {
        title: 'Tenant boundaries',
        claims: [
          {
            id: 'rls',
            text: "Every table that holds an organization's data has PostgreSQL row-level security enabled and forced, so the database itself keeps organizations apart.",
            proof: page('rls'),
          },
          {
            id: 'app-role',
            text: 'The web application connects to the database as a role that is not a superuser, owns no tables and cannot bypass row-level security.',
            proof: page('app-role'),
          },
          {
            id: 'not-found',
            text: 'Asking for another organization\'s page or data answers "not found", exactly as for something that does not exist.',
            proof: page('not-found'),
          },
        ],
      },
      {
        title: 'Auditability',
        claims: [
          {
            id: 'audit-trail',
            text: 'Changes such as creating an organization, adding a member and updating settings write an audit event (who, what, when, from which IP address) in the same database transaction as the change.',
            proof: page('audit-trail'),
          },
          {
            id: 'audit-append-only',
            text: 'The audit log is append-only for every database role and hash-chained, so a changed or removed event is detected when the chain is verified.',
            proof: test(
              'apps/worker/src/audit/tamper.test.ts',
              'append-only > no runtime role may update or delete audit_log rows; the trigger refuses even the owner',
            ),
          },
        ],
      },
      {
        title: 'Browser protections',
        claims: [
          {
            id: 'csp',
            text: 'Every page carries a Content-Security-Policy with a fresh nonce per response, refuses to be framed by other sites, and forbids plugins.',
            proof: page('csp'),
          },
          {
            id: 'csrf',
            text: 'Requests that change something are refused when they come from another site.',
            proof: page('csrf'),
          },
        ],
      },
    ],
  },
  {
    id: 'monitoring',
    title: 'Monitoring and abuse prevention',
    groups: [
      {
        title: 'Monitoring',
        claims: [
          {
            id: 'logs',
            text: 'The server writes one structured log line per request with a request id; cookies and authorization headers are redacted from the logs.',
            proof: page('logs'),
          },
          {
            id: 'health',
            text: 'Health and readiness endpoints report whether the service is up and whether its database is reachable with every migration applied.',
            proof: page('health'),
          },
          {
            id: 'metrics',
            text: 'Operational metrics (requests and latency per API procedure, background job queues and failures, audit events waiting to be archived, backup age and restore drill outcomes) are available in Prometheus format to holders of a metrics token, and are switched off without one.',
            proof: page('metrics'),
          },
          {
            id: 'tracing-errors',
            text: 'Request tracing (OpenTelemetry) and error reporting are available but switched off unless the deployment configures them; the privacy policy describes them.',
            proof: page('tracing-errors'),
          },
        ],
      },
      {
        title: 'Anti-abuse on public forms',
        intro:
          'The contact, sign-up, sign-in and password reset forms, and the public data forms, are protected the same way.',
        claims: [
          {
            id: 'honeypot',
            text: 'Each form carries a hidden field that people never see; a submission that fills it is discarded.',
            proof: page('honeypot'),
          },
          {
            id: 'fill-time',
            text: 'Each form carries a signed token that records when the form was served. Submissions sent faster than a person could fill the form, with a token for another form, or with a token already used are refused.',
            proof: page('fill-time'),
          },
          {
            id: 'rate-limits',
            text: 'Submissions are rate limited per IP address and per form (each public data form separately) across all servers; an over-limit request is answered with 429 and a Retry-After header.',
            proof: page('rate-limits'),
          },
          {
            id: 'body-limits',
            text: 'Request bodies are limited in size (100 kB in general, a few kB for the public forms).',
            proof: page('body-limits'),
          },
          {
            id: 'captcha',
            text: 'A CAPTCHA (Cloudflare Turnstile or hCaptcha) can be switched on and is then verified on the server.',
            proof: page('captcha'),
          },
          {
            id: 'nothing-written',
            text: 'A refused submission creates no message, account, session, email or data point.',
            proof: page('nothing-written'),
          },
        ],
      },
      {
        title: 'Privacy',
        claims: [
          {
            id: 'privacy-policy',
            text: 'The privacy policy lists the personal data the product keeps, for how long, and how an organization’s data is erased.',
            proof: page('privacy-policy'),
          },
        ],
      },
    ],
  },
  {
    id: 'incidents',
    title: 'Incident response',
    groups: [
      {
        title: 'Contain and investigate',
        claims: [
          {
            id: 'contain',
            text: "Operators have commands to contain an incident: end the sessions of one user, of one organization's members or of everyone; disable and re-enable a user; lock and unlock an organization.",
            proof: page('contain'),
          },
          {
            id: 'investigate',
            text: "Operators can export an organization's audit trail and list recent security events: failed sign-ins by IP address, rate-limit hits and permission denials.",
            proof: page('investigate'),
          },
          {
            id: 'operator-audited',
            text: 'Each of these incident-response commands is itself recorded in the audit trail, with the operator named.',
            proof: page('operator-audited'),
          },
        ],
      },
      {
        title: 'Notifying customers',
        claims: [
          {
            id: 'notify-how',
            text: 'When an incident affects an organization, its owners and admins are told by email, from a reviewed template; every notification is recorded in the organization’s audit trail.',
            proof: test(
              'apps/worker/src/cli/commands/notify.test.ts',
              'mfiq notify > mails the owners and admins from a reviewed template, audited; a dry run writes nothing',
            ),
          },
          {
            id: 'notify-when',
            text: 'Affected customers are told within 72 hours of an incident being confirmed, and again when it is resolved.',
            proof: test(
              'apps/worker/src/cli/commands/notify.test.ts',
              "mfiq notify > the runbook's notification step names the deadline and every template",
            ),
          },
        ],
      },
    ],
  },
  {
    id: 'subprocessors',
    title: 'Subprocessors',
    groups: [
      {
        title: 'Who helps run the service',
        claims: [
          {
            id: 'subprocessors-config',
            text: 'The third-party services a deployment uses, its hosting and mail providers among them, are listed on the subprocessors page, generated from the deployment’s configuration.',
            proof: page('subprocessors-config'),
          },
        ],
      },
    ],
  },
  {
    id: 'contact',
    title: 'Contact',
    groups: [
      {
        title: 'Reporting a vulnerability',
        claims: [
          {
            id: 'security-contact',
            text: 'Security questions and vulnerability reports reach the security contact below: messages sent through the contact form with the topic Security are emailed to that address, which is also published in /.well-known/security.txt.',
            proof: test(
              'apps/web/test/security-contact.test.ts',
              'security reports reach someone > a security report sent through /contact arrives in the security contact’s mailbox',
            ),
          },
        ],
      },
    ],
  },
];

export const ALL_CLAIMS: Claim[] = SECURITY_SECTIONS.flatMap((s) => s.groups.flatMap((g) => g.claims));
