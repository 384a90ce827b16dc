import { z } from 'zod';
import { codeSchema, passwordSchema } from '../auth/schemas.ts';

const sessionIdSchema = z.string().regex(/^[0-9a-f]{64}$/, 'Not a session id');
export const reauthenticateInput = z.object({ password: passwordSchema, code: codeSchema.optional() });
export const changePasswordInput = z.object({ currentPassword: passwordSchema, newPassword: passwordSchema });
export const revokeSessionInput = z.object({ sessionId: sessionIdSchema });
export const confirmTwoFactorInput = z.object({
  code: z
    .string()
    .trim()
    .regex(/^\d{6}$/, 'Enter the 6-digit code from your app'),
});

export const sessionOutput = z.object({
  id: z.string(),
  current: z.boolean(),
  createdAt: z.date(),
  lastSeenAt: z.date(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  device: z.string(),
});
