import { z } from 'zod';

/** Field schemas that several procedures share and that must also run in the browser. */
export const emailSchema = z
  .string()
  .trim()
  .max(254, 'Email is at most 254 characters')
  .pipe(z.email('Enter a valid email address'));

/** An organization's address (its slug): the route's, and a new one chosen by an owner. */
export const slugSchema = z
  .string()
  .trim()
  .toLowerCase()
  .min(1, 'Organization is required')
  .max(48, 'Organization slug is at most 48 characters')
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, 'Organization slug has only lowercase letters, digits and dashes');
