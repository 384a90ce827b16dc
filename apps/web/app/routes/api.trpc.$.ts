import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';

/**
 * /api/trpc/*: the same router and context factory as the pages' server-side caller, over HTTP for
 * client components and API clients. The CSRF check and body limit run before this, in the HTTP
 * server. Public form procedures need a form pass in their context, which only a page action can
 * give (ADR 0050): nothing here can, so they refuse whatever the URL's spelling.
 */
function handle({ request, context }: LoaderFunctionArgs | ActionFunctionArgs) {
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

/**
 * Queries whose input carries a credential (a share link's token): accepted as POST. This only
 * widens the methods a query may use; a path spelled any other way simply keeps GET-only queries
 * (it fails closed), and no access decision rests on it.
 */
const BODY_QUERIES = new Set(['shares.view']);

/** Whether every procedure a request names (batched as `a,b`) is in `allowed`. */
function onlyPaths(request: Request, allowed: Set<string>): boolean {
  const raw = new URL(request.url).pathname.slice('/api/trpc/'.length);
  try {
    return decodeURIComponent(raw)
      .split(',')
      .every((p) => allowed.has(p));
  } catch {
    return false;
  }
}

export const loader = handle;
export const action = handle;
