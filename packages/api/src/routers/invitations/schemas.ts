import { z } from 'zod';
import { displayNameSchema, passwordSchema, tokenInput } from '../auth/schemas.ts';

/** An invitee without an account: the link proves the address, the page asks for a name and a password. */
export const signUpAndAcceptInput = z.object({
  token: tokenInput.shape.token,
  displayName: displayNameSchema,
  password: passwordSchema,
});
