import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { isIPv6 } from 'node:net';
import { addressRefusal, checkUrl, EgressError, type EgressPolicy } from './policy.ts';

/** Resolves a host name to its addresses (all of them); replaceable in tests by a local stub. */
export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

const systemResolver: Resolver = (hostname) => lookup(hostname, { all: true, verbatim: true });

export interface SafeRequestOptions {
  policy: EgressPolicy;
  resolver?: Resolver;
  /** Whole request, connect to last byte read. */
  timeoutMs?: number;
  /** Response bytes kept; the rest is not read. */
  maxResponseBytes?: number;
  /** Largest body we send. */
  maxRequestBytes?: number;
}

export interface SafeResponse {
  status: number;
  /** The start of the response body (for the delivery log), at most maxResponseBytes. */
  body: string;
  /** The address connected to. */
  address: string;
}

/**
 * POSTs to a URL a tenant gave, safely: the URL is checked, the name resolved once, every
 * address it resolves to must be allowed (one private answer refuses the lot, so a name cannot
 * mix a public and an internal address), and the connection goes to the address checked, never
 * through a second lookup (no DNS rebinding between check and use). Redirects are not followed;
 * time and response size are bounded.
 */
export async function safePost(
  raw: string,
  request: { headers: Record<string, string>; body: string },
  opts: SafeRequestOptions,
): Promise<SafeResponse> {
  const checked = checkUrl(raw, opts.policy);
  const maxRequest = opts.maxRequestBytes ?? 256 * 1024;
  if (Buffer.byteLength(request.body) > maxRequest)
    throw new EgressError('too_large', `The request body is over ${maxRequest} bytes`, true);
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const deadline = AbortSignal.timeout(timeoutMs);

  let target: { address: string; family: number };
  if (checked.literal) target = { address: checked.literal, family: isIPv6(checked.literal) ? 6 : 4 };
  else {
    let answers: { address: string; family: number }[];
    try {
      answers = await Promise.race([
        (opts.resolver ?? systemResolver)(checked.hostname),
        new Promise<never>((_, reject) =>
          deadline.addEventListener('abort', () => reject(new EgressError('timeout', 'DNS lookup timed out', false))),
        ),
      ]);
    } catch (error) {
      if (error instanceof EgressError) throw error;
      throw new EgressError('dns', `Could not resolve ${checked.hostname}`, false);
    }
    if (!answers.length) throw new EgressError('dns', `${checked.hostname} has no address`, false);
    for (const a of answers) {
      const refused = addressRefusal(a.address, opts.policy);
      if (refused)
        throw new EgressError(
          'forbidden_address',
          `${checked.hostname} resolves to ${refused.replace(/^\S+ is /, '')}`,
          true,
        );
    }
    target = answers[0]!;
  }

  // The connection uses the address checked above: Node asks this function instead of DNS.
  const pinned: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
  const client = checked.url.protocol === 'https:' ? https : http;
  const maxBytes = opts.maxResponseBytes ?? 16 * 1024;

  return new Promise<SafeResponse>((resolve, reject) => {
    const req = client.request(
      checked.url,
      {
        method: 'POST',
        headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
        lookup: pinned,
        signal: deadline,
        // A fresh connection each time: no pooled socket to an address checked for another URL.
        agent: false,
      },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400) {
          res.destroy();
          reject(
            new EgressError(
              'redirect',
              `The receiver answered ${status} (a redirect); redirects are not followed`,
              true,
            ),
          );
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        let done = false;
        const finish = () => {
          if (done) return;
          done = true;
          resolve({ status, body: Buffer.concat(chunks).toString('utf8'), address: target.address });
        };
        res.on('data', (chunk: Buffer) => {
          if (done) return;
          const room = maxBytes - size;
          chunks.push(chunk.subarray(0, Math.max(0, room)));
          size += chunk.length;
          if (size >= maxBytes) {
            finish();
            res.destroy();
          }
        });
        res.on('end', finish);
        res.on('error', (error) => (done ? undefined : reject(error)));
      },
    );
    req.on('error', (error: Error & { code?: string }) => {
      if (deadline.aborted) reject(new EgressError('timeout', `No complete answer within ${timeoutMs} ms`, false));
      else if (error instanceof EgressError) reject(error);
      else
        reject(new EgressError('network', `${error.code ?? 'network error'}: ${error.message}`.slice(0, 300), false));
    });
    req.end(request.body);
  });
}
