import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import type { Logger } from 'pino';
import type { Context, CreateContextOptions } from '../context.ts';
import { AppError } from '../errors.ts';
import { createCaller } from '../root.ts';
import { openApiDocument } from './openapi.ts';

/** Same as the push procedure's bound: 1,000 points of bounded fields fit well inside it. */
export const REST_BODY_LIMIT_BYTES = 1024 * 1024;

export interface RestDeps {
  createContext: (opts: CreateContextOptions) => Promise<Context>;
  logger: Logger;
}

const json = (status: number, body: unknown, headers?: Headers) => {
  const h = new Headers(headers);
  h.set('content-type', 'application/json; charset=utf-8');
  h.set('cache-control', 'no-store');
  return new Response(JSON.stringify(body), { status, headers: h });
};

const failure = (
  status: number,
  code: string,
  message: string,
  headers?: Headers,
  fieldErrors?: Record<string, string[]>,
) => json(status, { error: { code, message, ...(fieldErrors ? { fieldErrors } : {}) } }, headers);

async function readJson(req: Request): Promise<unknown> {
  const declared = Number(req.headers.get('content-length') ?? 0);
  if (declared > REST_BODY_LIMIT_BYTES) throw new AppError('INVALID', 'too large');
  const text = await req.text();
  if (Buffer.byteLength(text) > REST_BODY_LIMIT_BYTES) throw new AppError('INVALID', 'too large');
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError('INVALID', 'The body is not valid JSON');
  }
}

/**
 * The plain HTTP JSON API under /api/v1 for clients in any language: thin routes over the same
 * API-key procedures as the typed client (same validation, scopes, rate limit and audit), with
 * tRPC error codes mapped to HTTP statuses and Retry-After passed through.
 */
export function createRestHandler(deps: RestDeps) {
  return async function handle(req: Request, clientIp: string | null): Promise<Response> {
    const url = new URL(req.url);
    const path = url.pathname.replace(/\/+$/, '');
    if (path === '/api/v1/openapi.json' && req.method === 'GET') return json(200, openApiDocument(url.origin));
    const resHeaders = new Headers();
    try {
      const ctx = await deps.createContext({ req, resHeaders, clientIp });
      const api = createCaller(ctx).api;
      if (path === '/api/v1/points') {
        if (req.method !== 'POST')
          return failure(405, 'METHOD_NOT_SUPPORTED', 'Use POST', new Headers({ allow: 'POST' }));
        let body: unknown;
        try {
          body = await readJson(req);
        } catch (e) {
          if (e instanceof AppError && e.message === 'too large')
            return failure(413, 'PAYLOAD_TOO_LARGE', `Request body over ${REST_BODY_LIMIT_BYTES / 1024} kB`);
          throw e;
        }
        const headerKey = req.headers.get('idempotency-key');
        const input =
          headerKey && body && typeof body === 'object' && !Array.isArray(body)
            ? { idempotencyKey: headerKey, ...body }
            : body;
        return json(200, await api.push(input as Parameters<typeof api.push>[0]), resHeaders);
      }
      if (path === '/api/v1/metrics') {
        if (req.method !== 'GET') return failure(405, 'METHOD_NOT_SUPPORTED', 'Use GET', new Headers({ allow: 'GET' }));
        return json(200, await api.metrics(), resHeaders);
      }
      const series = /^\/api\/v1\/metrics\/([^/]{1,100})\/series$/.exec(path);
      if (series) {
        if (req.method !== 'GET') return failure(405, 'METHOD_NOT_SUPPORTED', 'Use GET', new Headers({ allow: 'GET' }));
        const q = url.searchParams;
        // A malformed escape (the fuzzer's `%}l` threw a URIError, a 500) is the caller's mistake.
        const key = safeDecode(series[1]!);
        if (key === null)
          return failure(400, 'BAD_REQUEST', 'The metric key in the path is not valid percent-encoded UTF-8');
        const input = {
          key,
          from: q.get('from') ?? undefined,
          to: q.get('to') ?? undefined,
          grain: q.get('grain') ?? undefined,
        };
        return json(200, await api.series(input as Parameters<typeof api.series>[0]), resHeaders);
      }
      return failure(404, 'NOT_FOUND', 'No such API route; see /api/v1/openapi.json');
    } catch (error) {
      if (!(error instanceof TRPCError)) {
        deps.logger.error({ err: error }, 'REST API request failed');
        return failure(500, 'INTERNAL_SERVER_ERROR', 'Something went wrong.');
      }
      if (error.code === 'INTERNAL_SERVER_ERROR')
        deps.logger.error({ err: error.cause ?? error }, 'REST API request failed');
      const fieldErrors = error instanceof AppError ? error.fieldErrors : fieldErrorsOf(error);
      const message = error.code === 'INTERNAL_SERVER_ERROR' ? 'Something went wrong.' : error.message;
      return failure(getHTTPStatusCodeFromError(error), error.code, message, resHeaders, fieldErrors);
    }
  };
}

function safeDecode(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

function fieldErrorsOf(error: TRPCError): Record<string, string[]> | undefined {
  const issues = (error.cause as { issues?: { path: PropertyKey[]; message: string }[] } | undefined)?.issues;
  if (!issues) return undefined;
  const out: Record<string, string[]> = {};
  for (const i of issues.slice(0, 20)) (out[i.path.map(String).join('.') || '_'] ??= []).push(i.message);
  return out;
}
