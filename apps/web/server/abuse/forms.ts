import type { PublicFormId } from '@mfiq/api/server';

/**
 * The public forms the anti-abuse layer protects, and how each answers a refused bot. A form that
 * can pretend to succeed (contact; sign-up, which always answers "check your email") does, so a bot
 * learns nothing about which check caught it; sign-in cannot, and gives one generic message.
 */
export const PUBLIC_FORMS = {
  contact: { path: /^\/contact$/, bodyLimitBytes: 16 * 1024, onBot: 'pretend_success' },
  'sign-up': { path: /^\/signup$/, bodyLimitBytes: 8 * 1024, onBot: 'pretend_success' },
  'sign-in': { path: /^\/login$/, bodyLimitBytes: 4 * 1024, onBot: 'generic_error' },
  // "If an account exists, we sent a link": the same answer for bots as for people.
  'forgot-password': { path: /^\/forgot-password$/, bodyLimitBytes: 4 * 1024, onBot: 'pretend_success' },
  'reset-password': { path: /^\/reset-password\/[^/]+$/, bodyLimitBytes: 4 * 1024, onBot: 'generic_error' },
  // Public data forms (/f/<token>): up to 50 numeric fields. Rate limited per IP and per form (its id).
  'data-form': { path: /^\/f\/[^/]+$/, bodyLimitBytes: 8 * 1024, onBot: 'generic_error' },
} as const satisfies Record<
  PublicFormId,
  { path: RegExp; bodyLimitBytes: number; onBot: 'pretend_success' | 'generic_error' }
>;

export type { PublicFormId };

/** The hidden fields every protected form carries. */
export const TOKEN_FIELD = 'formToken';
/** A field people never see or fill (off-screen, aria-hidden, no tab stop); bots that fill every input do. */
export const HONEYPOT_FIELD = 'website';

export const BOT_MESSAGE = 'We could not accept this submission. Wait a few seconds, then submit the form again.';

/** The form a POST path belongs to (Remix single fetch posts to `<path>.data`). */
export function formForPath(pathname: string): PublicFormId | null {
  const path = pathname.endsWith('.data') ? pathname.slice(0, -5) : pathname;
  for (const [id, form] of Object.entries(PUBLIC_FORMS)) if (form.path.test(path)) return id as PublicFormId;
  return null;
}
