import { z } from 'zod';

export type CaptchaProvider = 'turnstile' | 'hcaptcha';

/** What each provider needs: the widget script, the origins its iframe comes from, the field it posts. */
export const CAPTCHA_PROVIDERS = {
  turnstile: {
    script: 'https://challenges.cloudflare.com/turnstile/v0/api.js',
    frameSrc: ['https://challenges.cloudflare.com'],
    widgetClass: 'cf-turnstile',
    field: 'cf-turnstile-response',
    verifyUrl: 'https://challenges.cloudflare.com/turnstile/v0/siteverify',
  },
  hcaptcha: {
    script: 'https://js.hcaptcha.com/1/api.js',
    frameSrc: ['https://hcaptcha.com', 'https://*.hcaptcha.com'],
    widgetClass: 'h-captcha',
    field: 'h-captcha-response',
    verifyUrl: 'https://api.hcaptcha.com/siteverify',
  },
} as const satisfies Record<
  CaptchaProvider,
  { script: string; frameSrc: readonly string[]; widgetClass: string; field: string; verifyUrl: string }
>;

const verifyAnswer = z.object({ success: z.boolean() });

/**
 * Server-side verification (both providers take the same form post and answer `{ success }`). Any
 * failure to get a clear yes (timeout, bad answer, network) counts as a failed challenge.
 */
export function createCaptchaVerifier(opts: {
  provider: CaptchaProvider;
  secretKey: string;
  verifyUrl: string | null;
  timeoutMs?: number;
}) {
  const url = opts.verifyUrl ?? CAPTCHA_PROVIDERS[opts.provider].verifyUrl;
  return {
    field: CAPTCHA_PROVIDERS[opts.provider].field,
    async verify(response: string, ip: string | null): Promise<boolean> {
      if (!response || response.length > 4096) return false;
      const body = new URLSearchParams({ secret: opts.secretKey, response });
      if (ip) body.set('remoteip', ip);
      try {
        const res = await fetch(url, { method: 'POST', body, signal: AbortSignal.timeout(opts.timeoutMs ?? 5_000) });
        if (!res.ok) return false;
        const parsed = verifyAnswer.safeParse(await res.json());
        return parsed.success && parsed.data.success;
      } catch {
        return false;
      }
    },
  };
}
