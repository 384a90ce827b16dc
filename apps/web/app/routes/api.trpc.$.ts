import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import type { AnyRouter } from '@trpc/server';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';

/**
 * /api/trpc/*: the same router and context factory as the pages' server-side caller, over HTTP for
 * client components (and later for API clients). The CSRF check and body limit run before this,
 * in the HTTP server.
 */
function handle({ request, context }: LoaderFunctionArgs | ActionFunctionArgs) {
  const formOnly = formOnlyPaths(request, context.api.router);
  if (formOnly.length) {
    // Public form procedures run only behind their pages' anti-abuse checks (ADR 0050).
    return Response.json(
      { error: { code: 'FORBIDDEN', message: `${formOnly.join(', ')} is available only through its page's form.` } },
      { status: 403, headers: { 'Cache-Control': 'no-store' } },
    );
  }
  return fetchRequestHandler({
    endpoint: '/api/trpc',
    req: request,
    router: context.api.router,
    // The share page's client sends its one query as a POST, so the link's token travels in the
    // body, never in a URL that logs or caches keep. Nothing else may: a GET must never run a mutation.
    allowMethodOverride: request.method === 'POST' && onlyPaths(request, BODY_QUERIES),
    createContext: ({ req, resHeaders }) =>
      context.api.createContext({ req, resHeaders, clientIp: context.request.clientIp }),
    onError({ error, path, ctx }) {
      // With a context, the API's error formatter has logged it already.
      if (error.code === 'INTERNAL_SERVER_ERROR' && !ctx) {
        context.logger.error({ err: error.cause ?? error, path }, 'tRPC procedure failed');
      }
    },
  });
}

/** Queries whose input carries a credential (a share link's token): accepted as POST. */
const BODY_QUERIES = new Set(['shares.view']);

/** The procedure paths a request names (batched as `a,b`), or null when the path does not decode. */
function pathsOf(request: Request): string[] | null {
  const raw = new URL(request.url).pathname.slice('/api/trpc/'.length);
  try {
    return decodeURIComponent(raw).split(',');
  } catch {
    return null;
  }
}

function onlyPaths(request: Request, allowed: Set<string>): boolean {
  const paths = pathsOf(request);
  return paths !== null && paths.every((p) => allowed.has(p));
}

/** The procedures a request names that are marked formOnly. */
function formOnlyPaths(request: Request, router: AnyRouter): string[] {
  const procedures = router._def.procedures as Record<string, { _def?: { meta?: { formOnly?: boolean } } } | undefined>;
  return (pathsOf(request) ?? []).filter(
    (p) => Object.hasOwn(procedures, p) && procedures[p]?._def?.meta?.formOnly === true,
  );
}

export const loader = handle;
export const action = handle;
