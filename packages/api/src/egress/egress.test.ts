import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyAddress } from './address.ts';
import { checkUrl, EgressError, STRICT_EGRESS, type EgressPolicy } from './policy.ts';
import { safePost, type Resolver } from './request.ts';

/**
 * The egress guard against hostile URLs, with a resolver stub standing in for DNS (so a name can
 * "resolve" to any address) and a local receiver (the only server these tests ever reach).
 */
const LOCAL: EgressPolicy = { allowHttp: true, allowLoopback: true };
const DEV: EgressPolicy = { allowHttp: true, allowLoopback: false };

describe('address classes', () => {
  const cases: [string, string][] = [
    ['8.8.8.8', 'public'],
    ['93.184.216.34', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['169.254.169.254', 'metadata'],
    ['169.254.1.1', 'link-local'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['198.51.100.7', 'reserved'],
    ['2606:4700:4700::1111', 'public'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:8.8.8.8', 'public'],
    ['::127.0.0.1', 'loopback'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['64:ff9b::808:808', 'public'],
    ['2002:7f00:1::', 'loopback'],
    ['2002:a00:1::', 'private'],
    ['fd00:ec2::254', 'metadata'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['2001:0:4136:e378::1', 'reserved'],
    ['[::1]', 'loopback'],
  ];
  it.each(cases)('%s is %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });
  it('names are not addresses', () => {
    expect(classifyAddress('example.com')).toBeNull();
    expect(classifyAddress('1.2.3')).toBeNull();
  });
});

describe('URL checks (before anything is resolved)', () => {
  const refused: [string, EgressPolicy, RegExp][] = [
    ['http://example.com/hook', STRICT_EGRESS, /https:\/\//],
    ['ftp://example.com/hook', DEV, /http:\/\/ or https:\/\//],
    ['https://user:secret@example.com/hook', STRICT_EGRESS, /user name or password/],
    ['https://127.0.0.1/hook', STRICT_EGRESS, /loopback/],
    ['https://2130706433/hook', STRICT_EGRESS, /127\.0\.0\.1 is a loopback/],
    ['https://0x7f.1/hook', STRICT_EGRESS, /127\.0\.0\.1 is a loopback/],
    ['https://017700000001/hook', STRICT_EGRESS, /127\.0\.0\.1 is a loopback/],
    ['https://[::1]/hook', STRICT_EGRESS, /loopback/],
    ['https://[::ffff:127.0.0.1]/hook', STRICT_EGRESS, /loopback/],
    ['https://[::ffff:a9fe:a9fe]/latest/meta-data', STRICT_EGRESS, /metadata/],
    ['https://169.254.169.254/latest/meta-data', STRICT_EGRESS, /metadata/],
    ['https://[fd00:ec2::254]/', STRICT_EGRESS, /metadata/],
    ['https://10.0.0.8/hook', STRICT_EGRESS, /private/],
    ['https://192.168.0.1:8443/hook', STRICT_EGRESS, /private/],
    ['https://0.0.0.0/hook', STRICT_EGRESS, /unspecified/],
    ['https://[ff02::1]/hook', STRICT_EGRESS, /multicast/],
    ['https://[fe80::1]/hook', STRICT_EGRESS, /link-local/],
    ['https://localhost/hook', STRICT_EGRESS, /local or internal host/],
    ['https://api.localhost/hook', STRICT_EGRESS, /local or internal host/],
    ['https://metadata.google.internal/computeMetadata/v1/', STRICT_EGRESS, /local or internal host/],
    ['https://printer.local/hook', STRICT_EGRESS, /local or internal host/],
    ['not a url', STRICT_EGRESS, /valid URL/],
  ];
  it.each(refused)('%s is refused', (url, policy, message) => {
    expect(() => checkUrl(url, policy)).toThrow(message);
  });
  it('a public https URL passes; loopback only when allowed', () => {
    expect(checkUrl('https://hooks.example.com/a?b=c', STRICT_EGRESS).port).toBe(443);
    expect(checkUrl('http://127.0.0.1:8080/x', LOCAL).literal).toBe('127.0.0.1');
    expect(() => checkUrl('http://10.0.0.1/x', LOCAL)).toThrow(/private/);
  });
});

describe('safePost', () => {
  let server: Server;
  let port: number;
  const hits: { url: string; host: string | undefined; body: string }[] = [];
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end('ok');
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        hits.push({ url: req.url ?? '', host: req.headers.host, body });
        handler(req, res);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  /** A resolver stub: a fixed answer per name, counting lookups. */
  function stub(answers: Record<string, string[]>) {
    const calls: string[] = [];
    const resolver: Resolver = (hostname) => {
      calls.push(hostname);
      return Promise.resolve(
        (answers[hostname] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
      );
    };
    return { resolver, calls };
  }
  const post = (url: string, policy: EgressPolicy, resolver?: Resolver, extra: object = {}) =>
    safePost(url, { headers: { 'content-type': 'application/json' }, body: '{"a":1}' }, { policy, resolver, ...extra });

  it('resolves once and connects to the address it checked (the name never reaches DNS again)', async () => {
    handler = (_req, res) => res.end('received');
    const { resolver, calls } = stub({ 'hooks.example.test': ['127.0.0.1'] });
    const res = await post(`http://hooks.example.test:${port}/in`, LOCAL, resolver);
    expect(res).toEqual({ status: 200, body: 'received', address: '127.0.0.1' });
    expect(calls).toEqual(['hooks.example.test']);
    expect(hits.at(-1)).toEqual({ url: '/in', host: `hooks.example.test:${port}`, body: '{"a":1}' });
  });

  it('refuses a name that resolves to a private, metadata or loopback address, before connecting', async () => {
    const before = hits.length;
    const { resolver } = stub({
      'rebind.example.test': ['127.0.0.1'],
      'inside.example.test': ['10.1.2.3'],
      'meta.example.test': ['169.254.169.254'],
      'mixed.example.test': ['93.184.216.34', '192.168.1.20'],
      'v6.example.test': ['::ffff:127.0.0.1'],
    });
    for (const [host, message] of [
      ['rebind.example.test', /loopback/],
      ['inside.example.test', /private/],
      ['meta.example.test', /metadata/],
      ['mixed.example.test', /private/],
      ['v6.example.test', /loopback/],
    ] as const) {
      const err = await post(`http://${host}:${port}/x`, DEV, resolver).catch((e: unknown) => e);
      expect(err, host).toBeInstanceOf(EgressError);
      expect((err as EgressError).code, host).toBe('forbidden_address');
      expect((err as EgressError).permanent).toBe(true);
      expect((err as Error).message, host).toMatch(message);
    }
    expect(hits.length).toBe(before);
  });

  it('does not follow redirects', async () => {
    handler = (_req, res) => {
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' });
      res.end();
    };
    const err = await post(`http://127.0.0.1:${port}/r`, LOCAL).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'redirect', permanent: true });
  });

  it('gives up after the time bound when the receiver hangs', async () => {
    handler = () => {};
    const err = await post(`http://127.0.0.1:${port}/slow`, LOCAL, undefined, { timeoutMs: 300 }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'timeout', permanent: false });
  });

  it('reads at most the size bound of an answer', async () => {
    handler = (_req, res) => {
      res.writeHead(200);
      res.end('x'.repeat(5 * 1024 * 1024));
    };
    const res = await post(`http://127.0.0.1:${port}/big`, LOCAL, undefined, { maxResponseBytes: 1024 });
    expect(res.status).toBe(200);
    expect(res.body.length).toBe(1024);
  });

  it('refuses plain http outside development, before resolving', async () => {
    const { resolver, calls } = stub({ 'hooks.example.test': ['93.184.216.34'] });
    await expect(post('http://hooks.example.test/x', STRICT_EGRESS, resolver)).rejects.toMatchObject({
      code: 'scheme',
    });
    expect(calls).toEqual([]);
  });
});
