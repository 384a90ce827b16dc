import type { NextFunction, Request, Response } from 'express';
import type { IncomingHttpHeaders } from 'node:http';
import {
  createRequestHandler,
  writeReadableStreamToWritable,
  type AppLoadContext,
  type ServerBuild,
} from '@remix-run/node';
import { Readable } from 'node:stream';
import { FRAME_ANCESTORS_HEADER } from '../app/lib/framing.ts';
import { info } from './request-info.ts';
import { allowFraming } from './security.ts';
import { isStreamed } from './uploads.ts';

function toHeaders(incoming: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [key, value] of Object.entries(incoming)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(key, v);
  }
  return headers;
}

/** Headers a route may set in place of the default every response got (security.ts). */
const ROUTE_OVERRIDES = new Set(['referrer-policy']);

async function send(res: Response, response: globalThis.Response): Promise<void> {
  res.statusMessage = response.statusText;
  res.status(response.status);
  const framing = FRAME_ANCESTORS_HEADER.toLowerCase();
  for (const [key, value] of response.headers.entries()) {
    // Set-Cookie must stay separate headers, never one comma-joined line.
    if (key === 'set-cookie' || key === framing) continue;
    if (ROUTE_OVERRIDES.has(key)) res.setHeader(key, value);
    else res.append(key, value);
  }
  const origins = response.headers.get(framing);
  if (origins) allowFraming(res, origins);
  const cookies = response.headers.getSetCookie();
  if (cookies.length) res.append('Set-Cookie', cookies);
  if (response.body) await writeReadableStreamToWritable(response.body, res);
  else res.end();
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
      const init: RequestInit = { method: req.method, headers: toHeaders(req.headers), signal: controller.signal };
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
