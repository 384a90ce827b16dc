import { sql } from '@mfiq/db';
import { createTestDatabase, type TestDatabase } from '@mfiq/db/testing';
import { hashPassword } from '@mfiq/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, formToken, PASSWORD, startWeb, type RunningWeb } from './harness.ts';

/**
 * Finding 8 of issue 11: the public forms' rate limits must not be a lockout weapon. Junk (no token,
 * a forged one, a filled honeypot, a replayed token) from any number of addresses counts against no
 * budget, so a real person still gets in; valid submissions are counted per address, with an IPv6
 * /64 (what one host can rotate through) and IPv4-mapped IPv6 as one address. The server trusts
 * 127.0.0.1 as its proxy, so each request can come from the address X-Forwarded-For names.
 */
const PER_IP = 3;
const PER_FORM = 20;

let tdb: TestDatabase;
let web: RunningWeb;
const member = 'flood-member@example.com';

beforeAll(async () => {
  await ensureBuilt();
  tdb = await createTestDatabase();
  web = await startWeb({
    APP_DATABASE_URL: tdb.urls.app,
    TRUST_PROXY: '127.0.0.1',
    FORM_RATE_LIMIT_PER_IP: String(PER_IP),
    FORM_RATE_LIMIT_PER_FORM: String(PER_FORM),
  });
  await tdb.owner
    .insertInto('users')
    .values({ email: member, displayName: 'Flood Member', passwordHash: await hashPassword(PASSWORD) })
    .execute();
}, 240_000);

afterAll(async () => {
  await web?.stop();
  await tdb?.drop();
});

let n = 0;
/** A new address each call: IPv4, and IPv6 in a /64 of its own. */
const freshAddress = () =>
  ++n % 2 ? `203.0.${Math.floor(n / 250)}.${(n % 250) + 1}` : `2001:db8:${n.toString(16)}::1`;

const count = async (table: string) =>
  (await sql<{ n: number }>`select count(*)::int as n from ${sql.ref(table)}`.execute(tdb.owner)).rows[0]!.n;

function post(path: string, from: string, fields: Record<string, string>) {
  return fetch(`${web.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: web.url, 'x-forwarded-for': from },
    body: new URLSearchParams(fields),
  });
}

interface FormCase {
  id: string;
  path: string;
  fields: () => Record<string, string>;
  /** What a person gets when the submission went through (not merely was not refused). */
  accepted: (res: Response) => Promise<void>;
  /** Rows one accepted submission writes. */
  rows: () => Promise<number>;
}

const FORMS: FormCase[] = [
  {
    id: 'sign-in',
    path: '/login',
    fields: () => ({ email: member, password: PASSWORD }),
    accepted: async (res) => {
      expect(res.status).toBe(302);
      expect(res.headers.getSetCookie().some((c) => c.includes('mfiq_session='))).toBe(true);
    },
    rows: () => count('sessions'),
  },
  {
    id: 'sign-up',
    path: '/signup',
    fields: () => ({
      email: `flood-signup-${++n}@example.com`,
      password: PASSWORD,
      displayName: 'New Person',
      organizationName: `Flood Org ${n}`,
    }),
    accepted: async (res) => {
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('Check your email');
    },
    rows: () => count('signup_requests'),
  },
  {
    id: 'forgot-password',
    path: '/forgot-password',
    fields: () => ({ email: member }),
    accepted: async (res) => {
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('a reset link is on its way');
    },
    rows: () => count('email_outbox'),
  },
];

describe.each(FORMS)('$id under a flood', (form) => {
  it('junk from many addresses spends no budget: a person still gets in, even from an address in the flood', async () => {
    // One real submission whose token the flood then replays.
    const spent = await formToken(web.url, form.path);
    await form.accepted(await post(form.path, freshAddress(), { formToken: spent, website: '', ...form.fields() }));
    const flooders: string[] = [];
    const junk: Promise<Response>[] = [];
    for (let i = 0; i < 3 * PER_FORM; i++) {
      const from = freshAddress();
      flooders.push(from);
      const kind = i % 4;
      const fields =
        kind === 0
          ? { website: '', ...form.fields() } // no token at all
          : kind === 1
            ? {
                formToken: `v1.${form.id}.1800000000000.AAAAAAAAAAAAAAAAAAAAAA.${'A'.repeat(43)}`,
                website: '',
                ...form.fields(),
              }
            : kind === 2
              ? { formToken: await formToken(web.url, form.path), website: 'https://spam.example', ...form.fields() }
              : { formToken: spent, website: '', ...form.fields() }; // a replay, all at once
      junk.push(post(form.path, from, fields));
    }
    for (const res of await Promise.all(junk)) {
      expect(res.status).not.toBe(429);
      await res.body?.cancel();
    }

    const before = await form.rows();
    const person = await post(form.path, freshAddress(), {
      formToken: await formToken(web.url, form.path),
      website: '',
      ...form.fields(),
    });
    await form.accepted(person);
    // Someone whose address (or /64) the flood used is not held responsible for it either.
    const neighbour = await post(form.path, flooders.at(-1)!, {
      formToken: await formToken(web.url, form.path),
      website: '',
      ...form.fields(),
    });
    await form.accepted(neighbour);
    expect(await form.rows()).toBe(before + 2);
  }, 120_000);
});

describe('valid submissions are counted per address', () => {
  async function signInFrom(address: string) {
    return post('/login', address, {
      formToken: await formToken(web.url, '/login'),
      website: '',
      ...FORMS[0]!.fields(),
    });
  }

  it('a flood of valid tokens from one IPv6 /64 is stopped, and other /64s are not', async () => {
    const statuses: number[] = [];
    for (let host = 1; host <= PER_IP + 2; host++)
      statuses.push((await signInFrom(`2001:db8:77:1::${host.toString(16)}`)).status);
    expect(statuses).toEqual([...Array<number>(PER_IP).fill(302), 429, 429]);
    const limited = await signInFrom('2001:db8:77:1:ffff:ffff:ffff:ffff');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await signInFrom('2001:db8:77:2::1')).status).toBe(302);
    const events = await tdb.owner
      .selectFrom('platformAuditOutbox')
      .select(['ip', 'after'])
      .where('action', '=', 'abuse.rate_limited')
      .where('ip', 'like', '2001:db8:77:1:%')
      .execute();
    expect(events).toHaveLength(1);
    expect(events[0]!.after).toMatchObject({ scope: 'ip' });
  }, 120_000);

  it('an IPv4 address and its IPv4-mapped IPv6 spellings share one count', async () => {
    const statuses: number[] = [];
    for (const address of ['198.51.100.77', '::ffff:198.51.100.77', '::ffff:c633:644d', '198.51.100.77'])
      statuses.push((await signInFrom(address)).status);
    expect(statuses).toEqual([302, 302, 302, 429]);
  }, 60_000);
});
