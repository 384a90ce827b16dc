import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, redactUrl } from './logging.ts';

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
});
