import type { NextFunction, Request, Response } from 'express';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import type { AppRouter, Context, CreateContextOptions } from '@mfiq/api/server';
import type { Logger } from 'pino';
import { sendFetchResponse, toFetchRequest } from './fetch-bridge.ts';
import { info } from './request-info.ts';

/** The two HTTP APIs, matched as Remix matched their routes (case-insensitive), so no spelling changes owner. */
const API_PATH = /^\/api\/(trpc|v1)(?:\/|$)/i;

/** Whether the path is one of the HTTP APIs' (answered here, never by a file or a page). */
export const isApiPath = (path: string) => API_PATH.test(path);
/**
 * The one query accepted as a POST: the share page's refresh, whose input holds the link's token,
 * so the token travels in the body and never in a URL that logs or caches keep. Any other spelling
 * only keeps queries GET-only (it fails closed); no access decision rests on it.
 */
const BODY_QUERY = /^\/api\/trpc\/shares\.view$/;

/**
 * /api/trpc and /api/v1 straight from the HTTP server (ADR 0081): the same router, context factory
 * and REST handler the pages use, after the same edge middleware (hosts, CSRF, body limits, logging),
 * but without a trip through Remix's router and loader machinery, which cost most of an API call.
 * Public form procedures need a form pass that only a page action can give (ADR 0050): nothing here
 * can, so they refuse whatever the URL's spelling.
 */
export function apiRoutes(deps: {
  router: AppRouter;
  createContext: (opts: CreateContextOptions) => Promise<Context>;
  rest: (req: globalThis.Request, clientIp: string | null) => Promise<globalThis.Response>;
  logger: Logger;
}) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const api = API_PATH.exec(req.path)?.[1]?.toLowerCase();
    if (!api) return next();
    try {
      const { clientIp } = info(res);
      const request = toFetchRequest(req, res);
      const response =
        api === 'v1'
          ? await deps.rest(request, clientIp)
          : await fetchRequestHandler({
              endpoint: '/api/trpc',
              req: request,
              router: deps.router,
              allowMethodOverride: req.method === 'POST' && BODY_QUERY.test(req.path),
              createContext: ({ req, resHeaders }) => deps.createContext({ req, resHeaders, clientIp }),
              onError({ error, path, ctx }) {
                // With a context, the API's error formatter has logged it already.
                if (error.code === 'INTERNAL_SERVER_ERROR' && !ctx) {
                  deps.logger.error({ err: error.cause ?? error, path }, 'tRPC procedure failed');
                }
              },
            });
      // Whole JSON answers: sent in one write with a Content-Length instead of a chunked stream.
      await sendFetchResponse(res, response, { whole: true });
    } catch (error) {
      next(error);
    }
  };
}
