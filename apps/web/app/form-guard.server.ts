import type { AppLoadContext } from '@remix-run/node';
import type { PublicFormId } from '../server/abuse/forms.ts';
import { BOT_MESSAGE } from '../server/abuse/forms.ts';
import type { Verdict } from '../server/abuse/guard.ts';
import './load-context.ts';

interface Args {
  request: Request;
  context: AppLoadContext;
}

/** Runs the anti-abuse checks of a public form on its submitted fields (before anything is written). */
export function checkForm(args: Args, form: PublicFormId, fields: FormData, subject?: string): Promise<Verdict> {
  const { clientIp, requestId } = args.context.request;
  return args.context.forms.check(
    form,
    fields,
    { ip: clientIp, userAgent: args.request.headers.get('user-agent')?.slice(0, 512) ?? null, requestId },
    subject,
  );
}

function minutes(seconds: number): string {
  const m = Math.ceil(seconds / 60);
  return m <= 1 ? 'a minute' : `${m} minutes`;
}

/**
 * What a refused submission says when the form cannot pretend to succeed: the rate limit says when
 * to retry, every other check (honeypot, token, CAPTCHA) gives one message, so a bot cannot tell
 * which one it failed.
 */
export function refusalMessage(verdict: Exclude<Verdict, { ok: true }>): string {
  return verdict.reason === 'rate_limited'
    ? `Too many attempts from your network. Try again in ${minutes(verdict.retryAfterSeconds)}.`
    : BOT_MESSAGE;
}

/** Its status: 429 with Retry-After for the rate limit, 400 otherwise. */
export function refusalInit(verdict: Exclude<Verdict, { ok: true }>): ResponseInit {
  return verdict.reason === 'rate_limited'
    ? { status: 429, headers: { 'Retry-After': String(verdict.retryAfterSeconds) } }
    : { status: 400 };
}
