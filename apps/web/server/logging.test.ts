import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logging.ts';
import { redactUrl } from './secret-urls.ts';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger('info', stream), text: () => lines.join('') };
}

describe('log redaction', () => {
  it('censors credentials in headers and secret-named fields, top level and one level down', () => {
    const { logger, text } = capture();
    logger.info(
      {
        req: {
          headers: {
            cookie: 'mfiq_session=SESSION-SECRET',
            authorization: 'Bearer BEARER-SECRET',
            'x-api-key': 'APIKEY-SECRET',
          },
        },
        res: { headers: { 'set-cookie': ['mfiq_session=SET-SECRET'] } },
        password: 'PW-SECRET',
        input: { password: 'NESTED-PW', formToken: 'v1.contact.FORM-SECRET', email: 'kept@example.com' },
        err: { message: 'connect failed', config: { password: 'DB-SECRET' } },
      },
      'probe',
    );
    const out = text();
    for (const secret of [
      'SESSION-SECRET',
      'BEARER-SECRET',
      'APIKEY-SECRET',
      'SET-SECRET',
      'PW-SECRET',
      'NESTED-PW',
      'FORM-SECRET',
      'DB-SECRET',
    ])
      expect(out).not.toContain(secret);
    expect(out).toContain('kept@example.com');
    expect(out).toContain('[redacted]');
  });

  it('cuts credential-like query values from logged URLs', () => {
    expect(redactUrl('/invite?token=abc123&next=/x')).toBe('/invite?token=[redacted]&next=/x');
    expect(redactUrl('/reset?resetCode=999&email=a@b.c')).toBe('/reset?resetCode=[redacted]&email=a@b.c');
    expect(redactUrl('/orgs/acme?tab=members')).toBe('/orgs/acme?tab=members');
  });

  it('cuts the token out of every link-is-the-secret path, in any spelling, and out of links inside values', () => {
    const t = 'kq3_Zr8-TtWm0aPdX1yQ2vBn4cLe5fGh6jKs7uIo9pE';
    for (const [url, expected] of [
      [`/reset-password/${t}`, '/reset-password/[redacted]'],
      [`/signup/confirm/${t}`, '/signup/confirm/[redacted]'],
      [`/invite/${t}`, '/invite/[redacted]'],
      [`/f/${t}`, '/f/[redacted]'],
      [`/f/${t}?sent=1`, '/f/[redacted]?sent=1'],
      [`/f/${t}.data`, '/f/[redacted]'],
      [`/d/${t}`, '/d/[redacted]'],
      [`/INVITE//${t}`, '/INVITE//[redacted]'],
      [`/signup//confirm/${t}`, '/signup//confirm/[redacted]'],
      [`/login?next=%2Finvite%2F${t}`, '/login?next=%2Finvite%2F[redacted]'],
      [
        `/api/trpc/invitations.get?input=${encodeURIComponent(JSON.stringify({ json: { token: 'x' } }))}`,
        '/api/trpc/invitations.get?input=[redacted]',
      ],
      [`/api/trpc/a,b?batch=1&input=%7B%7D`, '/api/trpc/a,b?batch=1&input=[redacted]'],
      [`http://metrics.example.com/reset-password/${t}`, 'http://metrics.example.com/reset-password/[redacted]'],
      // A token route nobody listed yet: a random-looking segment is cut all the same.
      [`/share/${t}`, '/share/[redacted]'],
      ['/share/2mqhd7x4kz5vb3wn6pj7tr2cyf4lg5se', '/share/[redacted]'],
    ] as const)
      expect(redactUrl(url), url).toBe(expected);
    // What is not a secret stays readable: slugs, UUIDs, keys of metrics.
    for (const url of [
      '/orgs/acme-analytics-and-friends-of-the-long-slug/dashboards/3f1c2b4a-9d8e-4f7a-b6c5-0e1d2c3b4a59',
      '/api/v1/metrics/weekly_active_users/series?grain=month',
      '/forgot-password',
    ])
      expect(redactUrl(url)).toBe(url);
  });
});
