import type { Request, Response } from 'express';
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { writeReadableStreamToWritable } from '@remix-run/node';
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

/**
 * The Express request as a fetch Request for Remix and the API adapters: the body was already read
 * (size-limited) by the body middleware, and the URL is built from the resolved scheme and host
 * (forwarded headers count only from the trusted proxy). HEAD is GET without the body (Node drops it
 * for HEAD): the same status and headers, where the adapters would otherwise answer HEAD on their own
 * terms (tRPC: 204 for anything).
 */
export function toFetchRequest(req: Request, res: Response): globalThis.Request {
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  const method = req.method === 'HEAD' ? 'GET' : req.method;
  const init: RequestInit = { method, headers: toHeaders(req.headers), signal: controller.signal };
  if (isStreamed(res)) {
    // The CSV upload route: the body goes to the action as a stream (its limit is enforced there).
    Object.assign(init, { body: Readable.toWeb(req), duplex: 'half' });
  } else if (req.method !== 'GET' && req.method !== 'HEAD') {
    init.body = Buffer.isBuffer(req.body) ? Uint8Array.from(req.body) : new Uint8Array(0);
  }
  // Concatenated, not resolved: a path like //evil.example must stay a path on this origin.
  return new Request(`${info(res).origin}${req.originalUrl}`, init);
}

/**
 * Writes a fetch Response to Express; per-user answers are never stored by a cache unless they say
 * so. `whole`: the body is read first and sent with its length in one write (the APIs' JSON, which is
 * never a stream meant to arrive in parts); otherwise it is streamed as it comes (pages).
 */
export async function sendFetchResponse(
  res: Response,
  response: globalThis.Response,
  opts: { whole?: boolean } = {},
): Promise<void> {
  if (!response.headers.has('Cache-Control')) res.setHeader('Cache-Control', 'no-store');
  res.statusMessage = response.statusText;
  res.status(response.status);
  for (const [key, value] of response.headers.entries()) {
    // Set-Cookie must stay separate headers, never one comma-joined line.
    if (key === 'set-cookie') continue;
    res.append(key, value);
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length) res.append('Set-Cookie', cookies);
  if (opts.whole && response.body) {
    const body = Buffer.from(await response.arrayBuffer());
    res.setHeader('Content-Length', body.length);
    res.end(res.req.method === 'HEAD' ? undefined : body);
  } else if (response.body && res.req.method !== 'HEAD') await writeReadableStreamToWritable(response.body, res);
  else {
    await response.body?.cancel();
    res.end();
  }
}
