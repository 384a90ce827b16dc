import { z } from 'zod';
import { emailSchema } from '../auth/schemas.ts';

import { CONTACT_TOPICS } from './topics.ts';

export const contactInput = z.object({
  name: z.string().trim().min(1, 'Name is required').max(100, 'Name is at most 100 characters'),
  email: emailSchema,
  topic: z.enum(CONTACT_TOPICS, { error: 'Choose a topic' }),
  message: z
    .string()
    .trim()
    .min(10, 'Message is at least 10 characters')
    .max(5000, 'Message is at most 5,000 characters'),
});
