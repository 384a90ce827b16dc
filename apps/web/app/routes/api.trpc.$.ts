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

/** The procedures a request names (batched as `a,b`) that are marked formOnly. */
function formOnlyPaths(request: Request, router: AnyRouter): string[] {
  const procedures = router._def.procedures as Record<string, { _def?: { meta?: { formOnly?: boolean } } } | undefined>;
  const raw = new URL(request.url).pathname.slice('/api/trpc/'.length);
  let paths: string[];
  try {
    paths = decodeURIComponent(raw).split(',');
  } catch {
    return [];
  }
  return paths.filter((p) => Object.hasOwn(procedures, p) && procedures[p]?._def?.meta?.formOnly === true);
}

export const loader = handle;
export const action = handle;
