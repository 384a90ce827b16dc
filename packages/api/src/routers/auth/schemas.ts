import { z } from 'zod';
import { emailSchema, slugSchema } from '../../shared/fields.ts';

export { emailSchema };
// The upper bound keeps hashing cheap to refuse; the policy (length, breached passwords) is in @mfiq/auth.
export const passwordSchema = z.string().min(1, 'Password is required').max(128, 'Password is at most 128 characters');
/** Links carry 40-character base32 tokens; invitation tokens are prefixed with the organization id. */
const tokenSchema = z
  .string()
  .trim()
  .min(1, 'The link is incomplete')
  .max(120, 'The link is not valid')
  .regex(/^[a-z0-9_]+$/, 'The link is not valid');
/** A 6-digit authenticator code or a recovery code (xxxx-xxxx-xxxx). */
export const codeSchema = z.string().trim().min(1, 'Enter the code').max(20, 'The code is at most 20 characters');

export const displayNameSchema = z
  .string()
  .trim()
  .min(1, 'Name is required')
  .max(100, 'Name is at most 100 characters');
const organizationNameSchema = z
  .string()
  .trim()
  .min(1, 'Organization name is required')
  .max(100, 'Organization name is at most 100 characters');

/** No password: it is chosen on the confirmation page, by whoever holds the mailbox. */
export const signUpInput = z.object({
  email: emailSchema,
  displayName: displayNameSchema,
  organizationName: organizationNameSchema,
  organizationSlug: slugSchema.optional(),
});

/** The confirmation page: the link, the password, and the names (shown from the request, editable). */
export const completeSignUpInput = z.object({
  token: tokenSchema,
  password: passwordSchema,
  displayName: displayNameSchema,
  organizationName: organizationNameSchema,
});

export const signInInput = z.object({
  email: z.string().trim().min(1, 'Email is required').max(254, 'Email is at most 254 characters'),
  password: passwordSchema,
});

export const twoFactorSignInInput = z.object({ challenge: tokenSchema, code: codeSchema });
export const tokenInput = z.object({ token: tokenSchema });
export const requestResetInput = z.object({ email: emailSchema });
export const resetPasswordInput = z.object({ token: tokenSchema, password: passwordSchema });

export const userOutput = z.object({ id: z.uuid(), email: z.string(), displayName: z.string() });
