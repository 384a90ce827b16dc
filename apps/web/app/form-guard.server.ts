import { data, type AppLoadContext } from '@remix-run/node';
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
 * The answer to a refused submission when the form cannot pretend to succeed: 429 with Retry-After
 * for the rate limit, otherwise one message for every check (honeypot, token, CAPTCHA) so a bot
 * cannot tell which one it failed.
 */
export function refusal<T extends Record<string, unknown>>(verdict: Exclude<Verdict, { ok: true }>, extra: T) {
  if (verdict.reason === 'rate_limited') {
    return data(
      {
        ...extra,
        formError: `Too many attempts from your network. Try again in ${minutes(verdict.retryAfterSeconds)}.`,
        fieldErrors: {} as Record<string, string[]>,
      },
      { status: 429, headers: { 'Retry-After': String(verdict.retryAfterSeconds) } },
    );
  }
  return data({ ...extra, formError: BOT_MESSAGE, fieldErrors: {} as Record<string, string[]> }, { status: 400 });
}
