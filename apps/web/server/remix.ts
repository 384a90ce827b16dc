import type { NextFunction, Request, Response } from 'express';
import { createRequestHandler, type AppLoadContext, type ServerBuild } from '@remix-run/node';
import { sendFetchResponse, toFetchRequest } from './fetch-bridge.ts';

/**
 * Remix behind Express, like @remix-run/express's handler but reading the body the body middleware
 * already read (size-limited) and building the URL from the resolved scheme and host (fetch-bridge.ts).
 */
export function remixHandler(opts: {
  build: ServerBuild | (() => Promise<ServerBuild>);
  mode: string;
  getLoadContext: (req: Request, res: Response) => AppLoadContext;
}) {
  const handle = createRequestHandler(opts.build, opts.mode);
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const response = await handle(toFetchRequest(req, res), opts.getLoadContext(req, res));
      await sendFetchResponse(res, response);
    } catch (error) {
      next(error);
    }
  };
}
