import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { withTenant } from '@mfiq/db';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cookieJar,
  ensureBuilt,
  insertDataForm,
  linkFromOutbox,
  PASSWORD,
  postForm,
  receiver,
  startWeb,
  startWorkerProcess,
  type RunningWeb,
} from './harness.ts';

/**
 * Finding 6 of issue 11: links whose path is the credential (sign-up confirmation, password reset,
 * invitation, public data form) must not reach the logs or the traces, whichever way a browser
 * carries them: the request line, a `.data` request, tRPC's GET `input`, `next=` on the sign-in
 * page, the Referer of the next page, the Location of a redirect. A person's whole journey runs
 * against the real web server (tracing on, every log level) and the real worker; then every log
 * line and every exported span is searched for each token.
 */
let tdb: TestDatabase;
let web: RunningWeb;
let worker: Awaited<ReturnType<typeof startWorkerProcess>>;
let collector: Awaited<ReturnType<typeof receiver>>;
let mailboxDir: string;

beforeAll(async () => {
  await ensureBuilt();
  tdb = await createTestDatabase();
  mailboxDir = await mkdtemp(path.join(os.tmpdir(), 'mfiq-mailbox-'));
  collector = await receiver();
  worker = await startWorkerProcess({
    WORKER_DATABASE_URL: tdb.urls.worker,
    MAILBOX_DIR: mailboxDir,
    LOG_LEVEL: 'trace',
  });
  web = await startWeb({
    APP_DATABASE_URL: tdb.urls.app,
    LOG_LEVEL: 'trace',
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
  });
}, 240_000);

afterAll(async () => {
  await web?.stop();
  await worker?.stop();
  await collector?.close();
  await tdb?.drop();
  await rm(mailboxDir, { recursive: true, force: true });
});

/** A browser's request: the page it came from as Referer, our Origin on a POST. */
function browse(
  p: string,
  opts: { from?: string; cookie?: string; form?: Record<string, string>; method?: string } = {},
) {
  const headers: Record<string, string> = {};
  if (opts.from) headers.referer = `${web.url}${opts.from}`;
  if (opts.cookie) headers.cookie = opts.cookie;
  if (opts.form) {
    headers.origin = web.url;
    headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  return fetch(`${web.url}${p}`, {
    method: opts.method ?? (opts.form ? 'POST' : 'GET'),
    redirect: 'manual',
    headers,
    ...(opts.form ? { body: new URLSearchParams(opts.form) } : {}),
  });
}

const trpcGet = (procedure: string, input: unknown, from: string) =>
  browse(`/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`, { from });

const tokenOf = (link: string) => link.split('/').at(-1)!;

describe('secrets in logs and traces', () => {
  it('a sign-up, an invitation, a password reset and a data form answer leave no token in any log line or span', async () => {
    const tokens: Record<string, string> = {};

    // Sign-up and its confirmation link; the organization page is then opened from the link's page.
    const email = `owner-${randomUUID()}@example.com`;
    const names = { displayName: 'Olga Owner', organizationName: 'Log Secrets Org' };
    let res = await postForm(web.url, '/signup', { email, ...names });
    expect(res.status).toBe(200);
    const confirm = await linkFromOutbox(tdb, email, '/signup/confirm', mailboxDir);
    tokens.confirm = tokenOf(confirm);
    expect((await browse(confirm)).status).toBe(200);
    // The password is chosen on the confirmation page (ADR 0096).
    res = await browse(confirm, { from: confirm, form: { password: PASSWORD, ...names } });
    expect(res.status).toBe(302);
    const owner = cookieJar(res);
    const orgPath = res.headers.get('location')!;
    expect((await browse(orgPath, { from: confirm, cookie: owner })).status).toBe(200);
    const slug = orgPath.split('/').at(-1)!;

    // An invitation: the invitee opens it, looks it up as a client component would, is offered
    // the sign-in page (next= the invitation), then joins with a new account.
    const invitee = `invitee-${randomUUID()}@example.com`;
    res = await browse(`/orgs/${slug}/members`, {
      from: `/orgs/${slug}/members`,
      cookie: owner,
      form: { intent: 'invite', email: invitee, role: 'editor' },
    });
    expect(res.status).toBe(200);
    const invite = await linkFromOutbox(tdb, invitee, '/invite', mailboxDir);
    tokens.invite = tokenOf(invite);
    expect((await browse(invite)).status).toBe(200);
    expect((await browse(`${invite}.data`, { from: invite })).status).toBe(200);
    expect((await trpcGet('invitations.get', { token: tokens.invite }, invite)).status).toBe(200);
    expect((await browse(`/login?next=${encodeURIComponent(invite)}`, { from: invite })).status).toBe(200);
    res = await browse(invite, {
      from: invite,
      form: { intent: 'signup', displayName: 'Ivan Invitee', password: PASSWORD },
    });
    expect(res.status).toBe(302);
    expect((await browse(res.headers.get('location')!, { from: invite, cookie: cookieJar(res) })).status).toBe(200);

    // A password reset: requested, opened, used; the sign-in page is then opened from it.
    expect((await postForm(web.url, '/forgot-password', { email })).status).toBe(200);
    const reset = await linkFromOutbox(tdb, email, '/reset-password', mailboxDir);
    tokens.reset = tokenOf(reset);
    expect((await browse(reset)).status).toBe(200);
    res = await postForm(
      web.url,
      reset,
      { password: 'a brand new passphrase' },
      { headers: { referer: `${web.url}${reset}` } },
    );
    expect(res.status).toBe(302);
    expect((await browse(res.headers.get('location')!, { from: reset })).status).toBe(200);

    // A public data form: opened, looked up, answered; the redirect's Location carries the link.
    const form = await dataForm(slug);
    tokens.dataForm = form.token;
    const formPath = `/f/${form.token}`;
    expect((await browse(formPath)).status).toBe(200);
    expect((await trpcGet('forms.publicGet', { token: form.token }, formPath)).status).toBe(200);
    res = await postForm(
      web.url,
      formPath,
      { [`field-${form.fieldId}`]: '42' },
      { headers: { referer: `${web.url}${formPath}` } },
    );
    expect(res.status).toBe(303);
    expect((await browse(res.headers.get('location')!, { from: formPath })).status).toBe(200);
    // A rotated or mistyped link is a 404, and its path is a credential-shaped secret too.
    const wrong = randomBytes(32).toString('base64url');
    expect((await browse(`/f/${wrong}`)).status).toBe(404);
    tokens.wrongLink = wrong;

    // The session cookies are secrets of the same kind.
    tokens.session = owner.split('=')[1]!;

    await web.stop(); // flushes the last batch of spans
    await worker.stop();
    const logs = web.rawLogs();
    const spans = collector.requests
      .filter((r) => r.url === '/v1/traces')
      .map((r) => r.body)
      .join('\n');
    const workerLogs = worker.output();
    for (const [name, token] of Object.entries(tokens)) {
      expect(token.length, name).toBeGreaterThanOrEqual(20);
      for (const [where, text] of [
        ['web logs', logs],
        ['spans', spans],
        ['worker logs', workerLogs],
      ] as const) {
        expect(text.includes(token), `${name} token in ${where}`).toBe(false);
        expect(text.includes(encodeURIComponent(token)), `${name} token (encoded) in ${where}`).toBe(false);
      }
    }

    // And the search looked at the right things: those requests and spans are there, redacted.
    for (const redacted of [
      '/signup/confirm/[redacted]',
      '/invite/[redacted]',
      '/reset-password/[redacted]',
      '/f/[redacted]',
      'input=[redacted]',
      'next=%2Finvite%2F[redacted]',
      `"referer":"${web.url}/invite/[redacted]"`,
      '"location":"/f/[redacted]?sent=1"',
    ])
      expect(logs, redacted).toContain(redacted);
    for (const redacted of ['/invite/[redacted]', '/f/[redacted]', '/reset-password/[redacted]'])
      expect(spans, redacted).toContain(redacted);
    expect(workerLogs).toContain('"worker started"');
  }, 180_000);
});

/** A data form on a new metric of the organization, with a live link. */
async function dataForm(slug: string): Promise<{ token: string; fieldId: string }> {
  const { tenantId } = await tdb.owner
    .selectFrom('organizations')
    .select('tenantId')
    .where('slug', '=', slug)
    .executeTakeFirstOrThrow();
  const metric = await withTenant(tdb.owner, { tenantId }, (trx) =>
    trx
      .insertInto('metrics')
      .values({ tenantId, key: 'answers', name: 'Answers' })
      .returning('id')
      .executeTakeFirstOrThrow(),
  );
  return insertDataForm(tdb.owner, { tenantId, metricId: metric.id, name: 'Check-in' });
}
