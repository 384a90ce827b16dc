import { z } from 'zod';

/** Field schemas that several procedures share and that must also run in the browser. */
export const emailSchema = z
  .string()
  .trim()
  .max(254, 'Email is at most 254 characters')
  .pipe(z.email('Enter a valid email address'));
