import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { createStorePool, writePlatformAudit, type Database } from '@mfiq/db';
import { issueFormPass, type FormPass } from '@mfiq/api/server';
import type { Config } from '../../app/config.server.ts';
import { CAPTCHA_PROVIDERS, createCaptchaVerifier } from './captcha.ts';
import { HONEYPOT_FIELD, TOKEN_FIELD, type PublicFormId } from './forms.ts';
import { createNonceStore } from './nonces.ts';
import { createRateLimits } from './rate-limit.ts';
import { createFormTokens } from './token.ts';

/** A token is good for this long after the page was served. */
const TOKEN_MAX_AGE_MS = 2 * 60 * 60_000;

export type Verdict =
  | { ok: true; pass: FormPass }
  | { ok: false; reason: 'rate_limited'; retryAfterSeconds: number }
  | { ok: false; reason: 'honeypot' | 'token' | 'too_fast' | 'replayed' | 'captcha' };

/** What a page needs to render the protection into its form. */
export interface FormChallenge {
  token: string;
  captcha: { provider: 'turnstile' | 'hcaptcha'; siteKey: string; script: string; widgetClass: string } | null;
}

export interface FormGuard {
  issue(form: PublicFormId): FormChallenge;
  /** Runs every check; writes nothing but the used nonce, the rate counters and (first refusal) a security event. */
  check(
    form: PublicFormId,
    fields: FormData,
    request: { ip: string | null; userAgent: string | null; requestId: string },
    subject?: string,
  ): Promise<Verdict>;
  close(): Promise<void>;
}

/**
 * Cheap checks first, then the counters (ADR 0102): the honeypot and the signed token (no I/O), then
 * the token's single use, and only a submission that passed all three counts against the rate
 * limits (per address, /64 for IPv6, then the form's overall budget), so a flood of junk from any
 * number of addresses spends no one's budget. The CAPTCHA (a call to the provider) comes last. A
 * refusal after the nonce spends that token; every refusal answers with a fresh one.
 */
export function createFormGuard(opts: {
  config: Config;
  db: Database;
  logger: Logger;
  onRefused?: (form: string, reason: string) => void;
}): FormGuard {
  const { config, db, logger } = opts;
  let key: Buffer;
  if (config.forms.secret) {
    key = Buffer.from(config.forms.secret, 'hex');
  } else {
    key = randomBytes(32);
    logger.warn(
      'FORM_SECRET is not set: form tokens use a key generated at start-up (tokens from other replicas or before a restart are refused)',
    );
  }
  const tokens = createFormTokens({ key, minFillMs: config.forms.minFillMs, maxAgeMs: TOKEN_MAX_AGE_MS });
  // Behind pgbouncer the role's own statement timeout holds (no start-up parameters there).
  const pool = createStorePool(config.appDatabaseUrl, {
    max: 4,
    applicationName: 'mfiq-web-ratelimit',
    statementTimeoutMs: 5_000,
    viaPgbouncer: config.pool.viaPgbouncer === true,
  });
  const limits = createRateLimits(pool, { perIp: config.forms.ratePerIp, perForm: config.forms.ratePerForm });
  const nonces = createNonceStore(db);
  const captcha = config.captcha ? createCaptchaVerifier(config.captcha) : null;
  const provider = config.captcha ? CAPTCHA_PROVIDERS[config.captcha.provider] : null;

  const text = (fields: FormData, name: string) => {
    const v = fields.get(name);
    return typeof v === 'string' ? v : '';
  };

  return {
    issue(form) {
      return {
        token: tokens.issue(form),
        captcha:
          config.captcha && provider
            ? {
                provider: config.captcha.provider,
                siteKey: config.captcha.siteKey,
                script: provider.script,
                widgetClass: provider.widgetClass,
              }
            : null,
      };
    },

    async check(form, fields, request, subject) {
      const refuse = (reason: 'honeypot' | 'token' | 'too_fast' | 'replayed' | 'captcha', detail?: string): Verdict => {
        logger.info({ form, reason, detail, ip: request.ip, reqId: request.requestId }, 'form submission refused');
        opts.onRefused?.(form, reason);
        return { ok: false, reason };
      };
      if (text(fields, HONEYPOT_FIELD) !== '') return refuse('honeypot');
      const checked = tokens.verify(form, text(fields, TOKEN_FIELD));
      if (!checked.ok) return refuse(checked.reason === 'too_fast' ? 'too_fast' : 'token', checked.reason);
      if (!(await nonces.consume(checked.nonce, form, checked.expiresAt))) return refuse('replayed');
      const rate = await limits.consume(form, request.ip, subject);
      if (!rate.ok) {
        if (rate.firstRefusal) {
          await writePlatformAudit(db, { type: 'anonymous' }, request, {
            action: 'abuse.rate_limited',
            outcome: 'failure',
            target: { type: 'form', id: form },
            after: { scope: rate.scope, retryAfterSeconds: rate.retryAfterSeconds, ...(subject ? { subject } : {}) },
          });
        }
        logger.warn(
          { form, scope: rate.scope, ip: request.ip, reqId: request.requestId },
          'form submission rate limited',
        );
        opts.onRefused?.(form, 'rate_limited');
        return { ok: false, reason: 'rate_limited', retryAfterSeconds: rate.retryAfterSeconds };
      }
      if (captcha && !(await captcha.verify(text(fields, captcha.field), request.ip))) return refuse('captcha');
      return { ok: true, pass: issueFormPass(form) };
    },

    async close() {
      await pool.end();
    },
  };
}
