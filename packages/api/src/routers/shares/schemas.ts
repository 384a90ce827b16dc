import { z } from 'zod';
import { customRangeRules, dashboardIdSchema, rangeSchema, tileDataOutput } from '../dashboards/schemas.ts';
import { grainSchema, localDateSchema } from '../metrics/schemas.ts';

/** Links per dashboard, revoked ones included (their view counts stay readable). */
export const MAX_LINKS_PER_DASHBOARD = 20;
const MAX_EMBED_ORIGINS = 5;

export const shareLinkIdSchema = z.uuid('Share link id must be a UUID');
const labelSchema = z
  .string({ error: 'Give the link a label' })
  .trim()
  .min(1, 'Give the link a label')
  .max(100, 'A label is at most 100 characters');

/**
 * An origin allowed to frame the link: https (http only for localhost), a host and an optional
 * port, nothing else. It is written into that response's frame-ancestors, so anything that could
 * widen it (wildcards, schemes such as data:, paths, quotes, spaces, semicolons) is refused.
 */
const originSchema = z
  .string()
  .trim()
  .max(200, 'An origin is at most 200 characters')
  .transform((v, ctx) => {
    let url: URL;
    try {
      url = new URL(v);
    } catch {
      ctx.addIssue({
        code: 'custom',
        message: `"${v.slice(0, 60)}" is not an origin such as https://intranet.example.com`,
      });
      return z.NEVER;
    }
    const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1';
    const ok =
      (url.protocol === 'https:' || (url.protocol === 'http:' && local)) &&
      !url.username &&
      !url.password &&
      (url.pathname === '/' || url.pathname === '') &&
      !url.search &&
      !url.hash &&
      !v.includes('*') &&
      /^[a-z0-9.-]+$/.test(url.hostname) &&
      `${url.origin}` === v.replace(/\/$/, '').toLowerCase();
    if (!ok) {
      ctx.addIssue({
        code: 'custom',
        message: `"${v.slice(0, 60)}" is not an https origin (scheme and host only, such as https://intranet.example.com)`,
      });
      return z.NEVER;
    }
    return url.origin;
  });

const embedOriginsSchema = z
  .array(originSchema)
  .max(MAX_EMBED_ORIGINS, `At most ${MAX_EMBED_ORIGINS} origins may embed a link`);

export const createShareLinkInput = z.object({
  dashboardId: dashboardIdSchema,
  label: labelSchema,
  /** The last day the link works (in the organization's timezone); none: until revoked. */
  expiresOn: localDateSchema.nullable().default(null),
  embedOrigins: embedOriginsSchema.default([]),
});

export const updateShareLinkInput = z.object({
  id: shareLinkIdSchema,
  label: labelSchema.optional(),
  expiresOn: localDateSchema.nullable().optional(),
  embedOrigins: embedOriginsSchema.optional(),
});

export const shareLinkOutput = z.object({
  id: z.string(),
  dashboardId: z.string(),
  label: z.string(),
  prefix: z.string(),
  status: z.enum(['live', 'expired', 'revoked']),
  expiresAt: z.date().nullable(),
  revokedAt: z.date().nullable(),
  embedOrigins: z.array(z.string()),
  viewCount: z.number(),
  lastViewedAt: z.date().nullable(),
  createdBy: z.string().nullable(),
  createdAt: z.date(),
  rotatedAt: z.date().nullable(),
});

/** A new or rotated link: the token is shown this once (only its hash is kept). */
export const shareLinkWithTokenOutput = z.object({ link: shareLinkOutput, token: z.string() });

/** A share token: 32 random bytes, base64url (the same kind as a data form's link). */
const shareTokenSchema = z
  .string({ error: 'Share link is required' })
  .max(100, 'A share link token is at most 100 characters');

/**
 * What the share page may ask: the link's token and how to view its one dashboard. Strict: any
 * other key (an id, a slug) is refused, not ignored, so nothing names another object.
 */
export const viewShareInput = z
  .strictObject({
    token: shareTokenSchema,
    range: rangeSchema.optional(),
    from: localDateSchema.optional(),
    to: localDateSchema.optional(),
    grain: grainSchema.optional(),
    /** A page load counts as a view; the TV's data refreshes do not. */
    countView: z.boolean().default(false),
  })
  .superRefine(customRangeRules);

/**
 * The share page's data: the dashboard's name and tiles, nothing else of the organization (no
 * ids but the tiles', no settings, no other dashboards).
 */
const shareViewOutput = z.object({
  orgName: z.string(),
  dashboard: z.object({ name: z.string() }),
  range: z.object({
    preset: rangeSchema.nullable(),
    from: z.string(),
    to: z.string(),
    previousFrom: z.string(),
    previousTo: z.string(),
  }),
  grain: grainSchema,
  timezone: z.string(),
  tiles: z.array(tileDataOutput),
  embedOrigins: z.array(z.string()),
});

export const parseShareView = (value: unknown) => shareViewOutput.parse(value);
