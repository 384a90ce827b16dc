import { z } from 'zod';
import { API_SCOPES } from '../../permissions.ts';

export const apiKeyOutput = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(z.enum(API_SCOPES)),
  createdAt: z.date(),
  lastUsedAt: z.date().nullable(),
  revokedAt: z.date().nullable(),
});

export const createApiKeyInput = z.object({
  name: z
    .string({ error: 'Name is required' })
    .trim()
    .min(1, 'Name is required')
    .max(100, 'Name is at most 100 characters'),
  scopes: z
    .array(z.enum(API_SCOPES, { error: 'Scopes are data:write and metrics:read' }))
    .min(1, 'Choose at least one scope')
    .max(API_SCOPES.length),
});

export const revokeApiKeyInput = z.object({ id: z.uuid('Key id must be a UUID') });
