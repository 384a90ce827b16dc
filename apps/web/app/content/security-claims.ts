/**
 * Every statement of the /security page, by section. Each claim has an id, and
 * apps/web/test/security-page.test.ts holds one check per id against the running code and database:
 * a claim without a check, or whose check fails, fails the build. Write here only what the code
 * does now.
 */
export interface Claim {
  id: string;
  text: string;
}
export interface Section {
  id: string;
  title: string;
  intro?: string;
  claims: Claim[];
}

export const SECURITY_UPDATED = '2026-11-29';

export const SECURITY_SECTIONS: Section[] = [
  {
    id: 'accounts',
    title: 'Accounts and sessions',
    claims: [
      {
        id: 'sign-in-required',
        text: 'Every organization page and every organization API call requires a signed-in session; only the public pages (home, security, privacy, subprocessors, contact, sign-up and sign-in) work without one.',
      },
      {
        id: 'argon2id',
        text: 'Passwords are stored only as argon2id hashes (at least 19 MiB of memory, two passes), never in plain text.',
      },
      {
        id: 'sessions-hashed',
        text: 'Sessions live on the server. The database keeps only the SHA-256 hash of each session token, so a copy of the sessions table cannot be used to sign in.',
      },
      {
        id: 'session-expiry',
        text: 'A session ends after 2 hours without activity and 7 days after sign-in at the latest (both configurable), and signing in always starts a new session.',
      },
      {
        id: 'cookies',
        text: 'The session cookie is HttpOnly and SameSite=Lax; over HTTPS it is also Secure and uses the __Host- prefix.',
      },
    ],
  },
  {
    id: 'access',
    title: 'Access control and tenant boundaries',
    claims: [
      {
        id: 'roles',
        text: 'Each member of an organization has one role: owner, admin, editor or viewer. One permission matrix decides what each role may do, for the pages and the API alike.',
      },
      {
        id: 'rls',
        text: "Every table that holds an organization's data has PostgreSQL row-level security enabled and forced, so the database itself keeps organizations apart.",
      },
      {
        id: 'app-role',
        text: 'The web application connects to the database as a role that is not a superuser, owns no tables and cannot bypass row-level security.',
      },
      {
        id: 'not-found',
        text: 'Asking for another organization\'s page or data answers "not found", exactly as for something that does not exist.',
      },
      {
        id: 'audit-trail',
        text: 'Changes such as creating an organization, adding a member and updating settings write an audit event (who, what, when, from which IP address) in the same database transaction as the change.',
      },
      {
        id: 'denials-recorded',
        text: "When a member tries something their role does not allow, the refusal is recorded in the organization's audit trail.",
      },
    ],
  },
  {
    id: 'transport',
    title: 'Encryption in transit and browser protections',
    claims: [
      {
        id: 'https',
        text: 'The server can serve HTTPS itself with a certificate and key, or run behind a TLS-terminating proxy whose forwarded headers are trusted only from the configured proxy address.',
      },
      { id: 'hsts', text: 'Over HTTPS every response carries Strict-Transport-Security.' },
      {
        id: 'database-tls',
        text: 'The connection to PostgreSQL uses TLS when its URL asks for it (sslmode=require or verify-full), with the server certificate verified; it never falls back to an unencrypted connection.',
      },
      {
        id: 'csp',
        text: 'Every page carries a Content-Security-Policy with a fresh nonce per response, refuses to be framed by other sites, and forbids plugins.',
      },
      { id: 'csrf', text: 'Requests that change something are refused when they come from another site.' },
    ],
  },
  {
    id: 'monitoring',
    title: 'Monitoring',
    claims: [
      {
        id: 'logs',
        text: 'The server writes one structured log line per request with a request id; cookies and authorization headers are redacted from the logs.',
      },
      {
        id: 'health',
        text: 'Health and readiness endpoints report whether the service is up and whether its database is reachable with every migration applied.',
      },
      {
        id: 'metrics',
        text: 'Operational metrics (requests and latency per API procedure, background job queues and failures, audit events waiting to be archived) are available in Prometheus format to holders of a metrics token, and are switched off without one.',
      },
      {
        id: 'tracing-errors',
        text: 'Request tracing (OpenTelemetry) and error reporting are available but switched off unless the deployment configures them.',
      },
    ],
  },
  {
    id: 'abuse',
    title: 'Abuse prevention on public forms',
    intro:
      'The contact, sign-up, sign-in and password reset forms, and the public data forms, are protected the same way.',
    claims: [
      {
        id: 'honeypot',
        text: 'Each form carries a hidden field that people never see; a submission that fills it is discarded.',
      },
      {
        id: 'fill-time',
        text: 'Each form carries a signed token that records when the form was served. Submissions sent faster than a person could fill the form, with a token for another form, or with a token already used are refused.',
      },
      {
        id: 'rate-limits',
        text: 'Submissions are rate limited per IP address and per form (each public data form separately) across all servers; an over-limit request is answered with 429 and a Retry-After header.',
      },
      {
        id: 'body-limits',
        text: 'Request bodies are limited in size (100 kB in general, a few kB for the public forms).',
      },
      {
        id: 'captcha',
        text: 'A CAPTCHA (Cloudflare Turnstile or hCaptcha) can be switched on and is then verified on the server.',
      },
      {
        id: 'nothing-written',
        text: 'A refused submission creates no message, account, session, email or data point.',
      },
    ],
  },
  {
    id: 'incidents',
    title: 'Incident response',
    claims: [
      {
        id: 'contain',
        text: "Operators have commands to contain an incident: end the sessions of one user, of one organization's members or of everyone; disable and re-enable a user; lock and unlock an organization.",
      },
      {
        id: 'investigate',
        text: "Operators can export an organization's audit trail and list recent security events: failed sign-ins by IP address, rate-limit hits and permission denials.",
      },
      {
        id: 'operator-audited',
        text: 'Each of these incident-response commands is itself recorded in the audit trail, with the operator named.',
      },
    ],
  },
  {
    id: 'subprocessors',
    title: 'Subprocessors',
    claims: [
      {
        id: 'subprocessors-config',
        text: 'The third-party services a deployment uses are listed on the subprocessors page, generated from the deployment’s configuration.',
      },
    ],
  },
];

export const ALL_CLAIMS: Claim[] = SECURITY_SECTIONS.flatMap((s) => s.claims);
