import type { NextFunction, Request, Response } from 'express';
import type { IncomingHttpHeaders } from 'node:http';
import {
  createRequestHandler,
  writeReadableStreamToWritable,
  type AppLoadContext,
  type ServerBuild,
} from '@remix-run/node';
import { Readable } from 'node:stream';
import { info } from './request-info.ts';
import { isStreamed } from './uploads.ts';

/**
 * Decided at the edge already: the CSRF check (security.ts) has compared Origin with our origins.
 * Remix repeats a weaker check of its own (Origin against Host or X-Forwarded-Host, believed from
 * anyone) that throws, so an allowed origin under another of our names would become a 500.
 */
const DECIDED_AT_THE_EDGE = new Set(['origin']);

function toHeaders(incoming: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [key, value] of Object.entries(incoming)) {
    if (value === undefined || DECIDED_AT_THE_EDGE.has(key)) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(key, v);
  }
  return headers;
}

async function send(res: Response, response: globalThis.Response): Promise<void> {
  res.statusMessage = response.statusText;
  res.status(response.status);
  for (const [key, value] of response.headers.entries()) {
    // Set-Cookie must stay separate headers, never one comma-joined line.
    if (key === 'set-cookie') continue;
    res.append(key, value);
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length) res.append('Set-Cookie', cookies);
  if (response.body && res.req.method !== 'HEAD') await writeReadableStreamToWritable(response.body, res);
  else {
    await response.body?.cancel();
    res.end();
  }
}

/**
 * Remix behind Express, like @remix-run/express's handler but with two differences that matter for
 * security: the body was already read (size-limited) by the body middleware, and the URL is built
 * from the resolved scheme and host (forwarded headers count only from the trusted proxy).
 */
export function remixHandler(opts: {
  build: ServerBuild | (() => Promise<ServerBuild>);
  mode: string;
  getLoadContext: (req: Request, res: Response) => AppLoadContext;
}) {
  const handle = createRequestHandler(opts.build, opts.mode);
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const { origin } = info(res);
      const controller = new AbortController();
      res.on('close', () => {
        if (!res.writableFinished) controller.abort();
      });
      // HEAD is GET without the body (Node drops it for HEAD): the same status and headers, where
      // the adapters would otherwise answer HEAD on their own terms (tRPC: 204 for anything).
      const method = req.method === 'HEAD' ? 'GET' : req.method;
      const init: RequestInit = { method, headers: toHeaders(req.headers), signal: controller.signal };
      if (isStreamed(res)) {
        // The CSV upload route: the body goes to the action as a stream (its limit is enforced there).
        Object.assign(init, { body: Readable.toWeb(req), duplex: 'half' });
      } else if (req.method !== 'GET' && req.method !== 'HEAD') {
        init.body = Buffer.isBuffer(req.body) ? Uint8Array.from(req.body) : new Uint8Array(0);
      }
      // Concatenated, not resolved: a path like //evil.example must stay a path on this origin.
      const request = new Request(`${origin}${req.originalUrl}`, init);
      const response = await handle(request, opts.getLoadContext(req, res));
      // Pages and data are per-user: never stored by the browser or a shared cache unless a route says otherwise.
      if (!response.headers.has('Cache-Control')) res.setHeader('Cache-Control', 'no-store');
      await send(res, response);
    } catch (error) {
      next(error);
    }
  };
}
