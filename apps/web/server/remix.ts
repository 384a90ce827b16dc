import type { NextFunction, Request, Response } from 'express';
import { createRequestHandler, type AppLoadContext, type ServerBuild } from '@remix-run/node';
import { FRAME_ANCESTORS_HEADER } from '../app/lib/framing.ts';
import { sendFetchResponse, toFetchRequest } from './fetch-bridge.ts';
import { publicPageCache } from './page-cache.ts';
import { info } from './request-info.ts';
import { allowFraming } from './security.ts';

/** Headers a page may set in place of the default every response got (security.ts). */
const ROUTE_OVERRIDES = ['referrer-policy'];

/**
 * What a page asked of the server's own headers: a stricter Referrer-Policy replaces the default,
 * and a share link's embedding allow-list (an internal header, never sent) becomes that one
 * response's frame-ancestors. Pages only: the APIs never reach this.
 */
function pageHeaders(res: Response, response: globalThis.Response): globalThis.Response {
  for (const key of ROUTE_OVERRIDES) if (response.headers.has(key)) res.removeHeader(key);
  const origins = response.headers.get(FRAME_ANCESTORS_HEADER);
  if (origins === null) return response;
  allowFraming(res, origins);
  const headers = new Headers(response.headers);
  headers.delete(FRAME_ANCESTORS_HEADER);
  return new globalThis.Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

/**
 * Remix behind Express, like @remix-run/express's handler but reading the body the body middleware
 * already read (size-limited) and building the URL from the resolved scheme and host (fetch-bridge.ts).
 */
export function remixHandler(opts: {
  build: ServerBuild | (() => Promise<ServerBuild>);
  mode: string;
  getLoadContext: (req: Request, res: Response) => AppLoadContext;
  /** Keep the signed-out render of the public static pages (production only: development rebuilds). */
  cachePublicPages: boolean;
}) {
  const handle = createRequestHandler(opts.build, opts.mode);
  const cache = opts.cachePublicPages ? publicPageCache() : null;
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const render = () => handle(toFetchRequest(req, res), opts.getLoadContext(req, res));
      // A kept page's answer goes through pageHeaders like a fresh one (its stored headers are Remix's).
      const response = cache ? await cache.respond(req, info(res), render) : await render();
      await sendFetchResponse(res, pageHeaders(res, response));
    } catch (error) {
      next(error);
    }
  };
}
