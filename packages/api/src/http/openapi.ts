import { z } from 'zod';
import { apiMetricOutput } from '../routers/api/metrics.ts';
import { pushInput, pushOutput } from '../routers/api/schemas.ts';
import { apiSeriesOutput } from '../routers/api/series.ts';
import { GRAINS } from '../metrics/periods.ts';

const schema = (s: z.ZodType, io: 'input' | 'output') =>
  z.toJSONSchema(s, { io, target: 'openapi-3.0', unrepresentable: 'any' });

const errorBody = z.object({
  error: z.object({
    code: z.string().meta({ example: 'BAD_REQUEST' }),
    message: z.string(),
    fieldErrors: z.record(z.string(), z.array(z.string())).optional(),
  }),
});

const errors = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((s) => [
      String(s),
      {
        description: ERROR_TEXT[s]!,
        content: { 'application/json': { schema: schema(errorBody, 'output') } },
        ...(s === 429
          ? {
              headers: {
                'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } },
              },
            }
          : {}),
      },
    ]),
  );

const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid request (the message and fieldErrors say what)',
  401: 'Missing, unknown or revoked API key',
  403: 'The key lacks the scope this operation needs',
  404: 'No such metric in the key’s organization',
  409: 'The idempotency key was used for a different batch',
  413: 'Request body over 1 MB',
  429: 'Rate limit of the key exceeded',
};

/**
 * The OpenAPI 3 document of the HTTP JSON API, generated from the same zod schemas that validate
 * the requests (z.toJSONSchema), so the document cannot drift from what the server accepts.
 */
export function openApiDocument(serverUrl: string) {
  const date = { type: 'string', format: 'date', pattern: '^\\d{4}-\\d{2}-\\d{2}$' };
  return {
    openapi: '3.0.3',
    info: {
      title: 'Metric Flow IQ API',
      version: '1',
      description:
        'Push data points and read metric series with an API key (Authorization: Bearer <key>). Keys are created by organization admins.',
    },
    servers: [{ url: serverUrl }],
    security: [{ apiKey: [] }],
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key (mfiq_...)' } },
    },
    paths: {
      '/api/v1/points': {
        post: {
          operationId: 'pushPoints',
          summary: 'Write a batch of up to 1,000 points (same metric and timestamp again replaces the value)',
          description:
            'Needs the data:write scope. Bad points are reported one by one in `errors` and the others are written.',
          parameters: [
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              schema: { type: 'string', maxLength: 200 },
              description: 'Same as the body field idempotencyKey',
            },
          ],
          requestBody: { required: true, content: { 'application/json': { schema: schema(pushInput, 'input') } } },
          responses: {
            '200': {
              description: 'The batch result',
              content: { 'application/json': { schema: schema(pushOutput, 'output') } },
            },
            ...errors(400, 401, 403, 409, 413, 429),
          },
        },
      },
      '/api/v1/metrics': {
        get: {
          operationId: 'listMetrics',
          summary: 'The organization’s active metrics',
          description: 'Needs the metrics:read scope.',
          responses: {
            '200': {
              description: 'Metric definitions',
              content: { 'application/json': { schema: schema(z.array(apiMetricOutput), 'output') } },
            },
            ...errors(401, 403, 429),
          },
        },
      },
      '/api/v1/metrics/{key}/series': {
        get: {
          operationId: 'metricSeries',
          summary: 'A metric by period, in the organization’s timezone, with previous-period and year-ago values',
          description: 'Needs the metrics:read scope.',
          parameters: [
            { name: 'key', in: 'path', required: true, schema: { type: 'string', pattern: '^[a-z][a-z0-9_]*$' } },
            { name: 'from', in: 'query', required: true, schema: date },
            { name: 'to', in: 'query', required: true, schema: date },
            { name: 'grain', in: 'query', required: false, schema: { type: 'string', enum: [...GRAINS] } },
          ],
          responses: {
            '200': {
              description: 'The series',
              content: { 'application/json': { schema: schema(apiSeriesOutput, 'output') } },
            },
            ...errors(400, 401, 403, 404, 429),
          },
        },
      },
    },
  };
}
