import type { NextFunction, Request, Response } from 'express';
import { createRequestHandler, type AppLoadContext, type ServerBuild } from '@remix-run/node';
import { sendFetchResponse, toFetchRequest } from './fetch-bridge.ts';
import { publicPageCache } from './page-cache.ts';
import { info } from './request-info.ts';

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
      const response = cache ? await cache.respond(req, info(res), render) : await render();
      await sendFetchResponse(res, response);
    } catch (error) {
      next(error);
    }
  };
}
