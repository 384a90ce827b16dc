import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { generateOneTimeToken, hashPassword, oneTimeTokenHash } from '@mfiq/auth';
import { sql, withNewTenant } from '@mfiq/db';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOT_MESSAGE } from '../server/abuse/forms.ts';
import { ensureBuilt, formToken, insertDataForm, PASSWORD, startWeb, type RunningWeb } from './harness.ts';

/**
 * The anti-abuse matrix: for each protected public form, a person's submission is accepted and each
 * kind of bot submission (honeypot filled, too fast, replayed token, failed CAPTCHA, oversized, over
 * the rate) is refused without writing anything. The server trusts 127.0.0.1 as its proxy, so each
 * case can come from its own client address through X-Forwarded-For.
 */
const MIN_FILL_MS = 1200;
const PER_IP = 3;
const PER_FORM = 12;
const CAPTCHA_SECRET = 'test-secret-key';

let tdb: TestDatabase;
let web: RunningWeb;
let verifier: http.Server;
const verifierCalls: URLSearchParams[] = [];
const signInEmail = 'matrix-member@example.com';
const forgotEmail = 'matrix-forgot@example.com';
const resetEmail = 'matrix-reset@example.com';
/** Two public data forms of one organization (the per-form limit is per data form). */
const dataForms: { token: string; fieldId: string }[] = [];

beforeAll(async () => {
  await ensureBuilt();
  tdb = await createTestDatabase();
  // A local stand-in for the CAPTCHA provider's siteverify endpoint.
  verifier = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (c: string) => (body += c));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      verifierCalls.push(form);
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({ success: form.get('secret') === CAPTCHA_SECRET && form.get('response') === 'human-pass' }),
      );
    });
  });
  await new Promise<void>((resolve) => verifier.listen(0, '127.0.0.1', resolve));
  web = await startWeb({
    APP_DATABASE_URL: tdb.urls.app,
    TRUST_PROXY: '127.0.0.1',
    FORM_MIN_FILL_MS: String(MIN_FILL_MS),
    FORM_RATE_LIMIT_PER_IP: String(PER_IP),
    FORM_RATE_LIMIT_PER_FORM: String(PER_FORM),
    CAPTCHA_PROVIDER: 'turnstile',
    CAPTCHA_SITE_KEY: 'test-site-key',
    CAPTCHA_SECRET_KEY: CAPTCHA_SECRET,
    CAPTCHA_VERIFY_URL: `http://127.0.0.1:${(verifier.address() as AddressInfo).port}/siteverify`,
  });
  const passwordHash = await hashPassword(PASSWORD);
  for (const email of [signInEmail, forgotEmail, resetEmail])
    await tdb.owner.insertInto('users').values({ email, displayName: 'Matrix Member', passwordHash }).execute();
  // An organization with a metric and two data forms on it, each with a live link.
  const tenantId = randomUUID();
  const metric = await withNewTenant(tdb.owner, { tenantId }, async (trx) => {
    await trx.insertInto('organizations').values({ tenantId, slug: 'matrix-forms', name: 'Matrix Forms' }).execute();
    return trx
      .insertInto('metrics')
      .values({ tenantId, key: 'answers', name: 'Answers' })
      .returning('id')
      .executeTakeFirstOrThrow();
  });
  for (const name of ['First', 'Second'])
    dataForms.push(await insertDataForm(tdb.owner, { tenantId, metricId: metric.id, name }));
}, 240_000);

afterAll(async () => {
  await web?.stop();
  await new Promise((resolve) => verifier?.close(resolve));
  await tdb?.drop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let ipCounter = 0;
const freshIp = () => `198.51.${100 + Math.floor(++ipCounter / 250)}.${(ipCounter % 250) + 1}`;
const count = async (query: string) =>
  (await sql<{ n: number }>`select count(*)::int as n from ${sql.raw(query)}`.execute(tdb.owner)).rows[0]!.n;

interface FormCase {
  id: string;
  /** The page that serves the form (and its token). */
  path: string;
  /** Where one submission goes, when each needs a fresh URL (a reset link works once); default: path. */
  target?: () => Promise<string>;
  /** A person's fields (unique per call where the form needs it). */
  fields: () => Record<string, string>;
  /** Rows a submission of this form would create. */
  rows: () => Promise<number>;
  /** What a person gets after a successful submission. */
  accepted: (res: Response) => Promise<void>;
  /** Whether a refused bot sees the success answer (contact) or one generic refusal (sign-in, sign-up). */
  botSeesSuccess: boolean;
  oversizedBytes: number;
}

let n = 0;
const FORMS: FormCase[] = [
  {
    id: 'contact',
    path: '/contact',
    fields: () => ({
      name: 'Pat Person',
      email: `pat${++n}@example.com`,
      topic: 'security',
      message: 'Could you send us your security questionnaire answers?',
    }),
    rows: () => count('contact_messages'),
    accepted: async (res) => {
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/contact?sent=1');
    },
    botSeesSuccess: true,
    oversizedBytes: 20 * 1024,
  },
  {
    id: 'sign-up',
    path: '/signup',
    fields: () => ({
      email: `signup${++n}@example.com`,
      displayName: 'New Person',
      organizationName: `Matrix Org ${n}`,
    }),
    // Sign-up answers "check your email" and writes a pending request plus the confirmation mail.
    rows: async () => (await count('signup_requests')) + (await count('email_outbox')) + (await count('users')),
    accepted: async (res) => {
      expect(res.status).toBe(200);
      expect(await res.clone().text()).toContain('Check your email');
    },
    botSeesSuccess: true,
    oversizedBytes: 10 * 1024,
  },
  {
    id: 'sign-in',
    path: '/login',
    fields: () => ({ email: signInEmail, password: PASSWORD }),
    rows: () => count('sessions'),
    accepted: async (res) => {
      expect(res.status).toBe(302);
      // Behind the trusted (TLS-terminating) proxy the cookie carries the __Host- prefix.
      expect(res.headers.getSetCookie().some((c) => c.startsWith('__Host-mfiq_session='))).toBe(true);
    },
    botSeesSuccess: false,
    oversizedBytes: 6 * 1024,
  },
  {
    id: 'forgot-password',
    path: '/forgot-password',
    fields: () => ({ email: forgotEmail }),
    // A person gets a reset link by mail: a pending token and a mail in the outbox.
    rows: async () => (await count('password_reset_tokens')) + (await count('email_outbox')),
    accepted: async (res) => {
      expect(res.status).toBe(200);
      expect(await res.clone().text()).toContain('a reset link is on its way');
    },
    botSeesSuccess: true,
    oversizedBytes: 6 * 1024,
  },
  {
    id: 'reset-password',
    path: '/reset-password/a-link',
    // Every submission carries a live reset link: a refused bot must leave it unspent.
    target: async () => {
      const token = generateOneTimeToken();
      const user = await tdb.owner
        .selectFrom('users')
        .select('id')
        .where('email', '=', resetEmail)
        .executeTakeFirstOrThrow();
      await tdb.owner
        .insertInto('passwordResetTokens')
        .values({ id: oneTimeTokenHash(token), userId: user.id, expiresAt: new Date(Date.now() + 30 * 60_000) })
        .execute();
      return `/reset-password/${token}`;
    },
    fields: () => ({ password: PASSWORD }),
    // A reset spends the link, changes the password (a new argon2 hash) and mails the user.
    rows: async () =>
      (await count('password_reset_tokens where used_at is not null')) +
      (await count('email_outbox')) +
      (await count(`users where email = '${resetEmail}' and updated_at > created_at`)),
    accepted: async (res) => {
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('/login?reset=1');
    },
    botSeesSuccess: false,
    oversizedBytes: 6 * 1024,
  },
  {
    id: 'data-form',
    path: '/f/TOKEN',
    fields: () => ({ [`field-${dataForms[0]!.fieldId}`]: String(++n) }),
    // An answer writes data points and their audit event (actor: the public form).
    rows: async () => (await count('data_points')) + (await count('audit_outbox')),
    accepted: async (res) => {
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe(`/f/${dataForms[0]!.token}?sent=1`);
    },
    botSeesSuccess: false,
    oversizedBytes: 10 * 1024,
  },
];

/** The data form's path needs its token, known only once the fixtures exist. */
const pathOf = (form: FormCase) => form.path.replace('TOKEN', dataForms[0]?.token ?? 'TOKEN');
const targetOf = async (form: FormCase) => (form.target ? form.target() : pathOf(form));

function post(path: string, ip: string, body: URLSearchParams | string) {
  return fetch(`${web.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: web.url, 'x-forwarded-for': ip },
    body,
  });
}

/** Fetches tokens the way pages are loaded, then waits out the minimum fill time once for all of them. */
async function humanTokens(path: string, k: number): Promise<string[]> {
  const tokens = await Promise.all(Array.from({ length: k }, () => formToken(web.url, path)));
  await sleep(MIN_FILL_MS + 150);
  return tokens;
}

const submission = (token: string, fields: Record<string, string>, extra: Record<string, string> = {}) =>
  new URLSearchParams({ formToken: token, website: '', 'cf-turnstile-response': 'human-pass', ...fields, ...extra });

describe.each(FORMS)('public form $id', (form) => {
  it('accepts a person and refuses every kind of bot without writing anything', async () => {
    const [humanToken, honeypotToken, captchaToken] = await humanTokens(pathOf(form), 3);

    // A person: waited, left the honeypot empty, passed the CAPTCHA.
    let before = await form.rows();
    const human = await post(await targetOf(form), freshIp(), submission(humanToken!, form.fields()));
    await form.accepted(human);
    expect(await form.rows()).toBeGreaterThan(before);
    expect(verifierCalls.at(-1)?.get('secret')).toBe(CAPTCHA_SECRET);

    const expectRefused = async (res: Response, what: string) => {
      if (form.botSeesSuccess) {
        // Indistinguishable from the person's answer above.
        expect(res.status, what).toBe(human.status);
        expect(res.headers.get('location'), what).toBe(human.headers.get('location'));
        await form.accepted(res);
      } else {
        expect(res.status, what).toBe(400);
        expect(await res.text(), what).toContain(BOT_MESSAGE);
        expect(res.headers.getSetCookie(), what).toEqual([]);
      }
    };

    before = await form.rows();
    await expectRefused(
      await post(
        await targetOf(form),
        freshIp(),
        submission(honeypotToken!, form.fields(), { website: 'https://cheap-pills.example' }),
      ),
      'honeypot',
    );
    const tooFast = await formToken(web.url, pathOf(form));
    await expectRefused(await post(await targetOf(form), freshIp(), submission(tooFast, form.fields())), 'too fast');
    await expectRefused(
      await post(await targetOf(form), freshIp(), submission(humanToken!, form.fields())),
      'replayed token',
    );
    const otherForm = FORMS.find((f) => f.id !== form.id)!;
    const [foreignToken] = await humanTokens(pathOf(otherForm), 1);
    await expectRefused(
      await post(await targetOf(form), freshIp(), submission(foreignToken!, form.fields())),
      "another form's token",
    );
    await expectRefused(
      await post(await targetOf(form), freshIp(), submission(`${humanToken!.slice(0, -3)}AAA`, form.fields())),
      'forged token',
    );
    await expectRefused(
      await post(await targetOf(form), freshIp(), new URLSearchParams({ website: '', ...form.fields() })),
      'no token',
    );
    expect(await form.rows(), 'rows after the bot submissions').toBe(before);

    // A failed CAPTCHA is refused on every form, with a message a person can act on.
    const captcha = await post(
      await targetOf(form),
      freshIp(),
      submission(captchaToken!, form.fields(), { 'cf-turnstile-response': 'bot-guess' }),
    );
    expect(captcha.status).toBe(400);
    expect(await captcha.text()).toContain(BOT_MESSAGE);
    expect(await form.rows()).toBe(before);

    // Oversized: refused by the body limit before the form is even parsed.
    const [bigToken] = await humanTokens(pathOf(form), 1);
    const oversized = await post(
      await targetOf(form),
      freshIp(),
      `${submission(bigToken!, form.fields()).toString()}&pad=${'x'.repeat(form.oversizedBytes)}`,
    );
    expect(oversized.status).toBe(413);
    expect(await form.rows()).toBe(before);
  });

  it('limits each IP address, then the form as a whole: 429 with Retry-After, nothing written', async () => {
    const ip = freshIp();
    const tokens = await humanTokens(pathOf(form), PER_IP + 1);
    for (const token of tokens.slice(0, PER_IP))
      await form.accepted(await post(await targetOf(form), ip, submission(token, form.fields())));
    const before = await form.rows();
    const limited = await post(await targetOf(form), ip, submission(tokens[PER_IP]!, form.fields()));
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= 15 * 60).toBe(true);
    expect(await limited.text()).toContain('Too many attempts');
    expect(await form.rows()).toBe(before);
    // The first refusal in the window is a security event for the operators.
    const events = await tdb.owner
      .selectFrom('platformAuditOutbox')
      .selectAll()
      .where('action', '=', 'abuse.rate_limited')
      .where('ip', '=', ip)
      .execute();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ targetId: form.id, after: { scope: 'ip' } });

    // Many addresses, one form: the per-form limit stops the flood even though each address is new.
    let flood: Response | null = null;
    for (let i = 0; i < PER_FORM + 2 && !flood; i++) {
      const [token] = await humanTokens(pathOf(form), 1);
      const res = await post(await targetOf(form), freshIp(), submission(token!, form.fields()));
      if (res.status === 429) flood = res;
    }
    expect(flood?.status).toBe(429);
    expect(Number(flood?.headers.get('retry-after'))).toBeGreaterThan(0);
    if (form.id === 'data-form') {
      // The per-form window is per data form: the flood at the first leaves the second open.
      const second = dataForms[1]!;
      const [token] = await humanTokens(pathOf(form), 1);
      const res = await post(`/f/${second.token}`, freshIp(), submission(token!, { [`field-${second.fieldId}`]: '7' }));
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe(`/f/${second.token}?sent=1`);
    }
  });
});
