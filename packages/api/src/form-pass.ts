/**
 * "Only through its page's form" as a capability (docs/decisions/0050-public-form-protection.md):
 * a public form's procedure runs only when the caller's context carries a pass for that form, and
 * only the web's anti-abuse guard issues passes, after the honeypot, fill-time token, rate limits
 * and CAPTCHA accepted a submission. The HTTP adapters never put a pass into a context, so no URL
 * spelling, method or batch can reach these procedures. A pass is an object this module
 * registered (a plain object with the same shape is not one) and is good for one call.
 */
export const PUBLIC_FORM_IDS = [
  'contact',
  'sign-up',
  'sign-in',
  'forgot-password',
  'reset-password',
  'data-form',
] as const;
export type PublicFormId = (typeof PUBLIC_FORM_IDS)[number];

export interface FormPass {
  readonly form: PublicFormId;
}

const live = new WeakSet<FormPass>();

/** For the anti-abuse guard only: a pass for one call of `form`'s procedure. */
export function issueFormPass(form: PublicFormId): FormPass {
  const pass = Object.freeze({ form });
  live.add(pass);
  return pass;
}

/** True (once) when `pass` is a live pass for `form`; the pass is spent either way. */
export function spendFormPass(pass: unknown, form: PublicFormId): boolean {
  if (typeof pass !== 'object' || pass === null || !live.has(pass as FormPass)) return false;
  live.delete(pass as FormPass);
  return (pass as FormPass).form === form;
}
