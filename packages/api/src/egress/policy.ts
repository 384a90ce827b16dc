import { classifyAddress, type AddressClass } from './address.ts';

/**
 * What outgoing requests to tenant-given URLs may do. Outside development only https; loopback
 * only when explicitly allowed (a developer's local receiver, the tests); never private,
 * link-local, metadata or multicast addresses.
 */
export interface EgressPolicy {
  allowHttp: boolean;
  allowLoopback: boolean;
}

export const STRICT_EGRESS: EgressPolicy = { allowHttp: false, allowLoopback: false };

export type EgressErrorCode =
  | 'invalid_url'
  | 'scheme'
  | 'credentials'
  | 'forbidden_host'
  | 'forbidden_address'
  | 'dns'
  | 'redirect'
  | 'timeout'
  | 'too_large'
  | 'network';

export class EgressError extends Error {
  override name = 'EgressError';
  constructor(
    readonly code: EgressErrorCode,
    message: string,
    /** A refusal by policy: retrying the same URL can never succeed. */
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

/** Names that always mean this machine or its private network, whatever DNS says. */
const FORBIDDEN_NAME = /(^|\.)(localhost|local|internal|localdomain|home\.arpa)$|^metadata(\.google\.internal)?$/i;

const DESCRIBE: Record<Exclude<AddressClass, 'public'>, string> = {
  loopback: 'a loopback address',
  private: 'a private network address',
  'link-local': 'a link-local address',
  metadata: 'a cloud metadata address',
  multicast: 'a multicast address',
  unspecified: 'an unspecified address',
  reserved: 'a reserved address',
};

/** Null when the address may be reached, else why not. */
export function addressRefusal(address: string, policy: EgressPolicy): string | null {
  const kind = classifyAddress(address);
  if (kind === null) return `${address} is not an IP address`;
  if (kind === 'public' || (kind === 'loopback' && policy.allowLoopback)) return null;
  return `${address} is ${DESCRIBE[kind]}, which webhooks may not reach`;
}

export interface CheckedUrl {
  url: URL;
  /** The host without IPv6 brackets. */
  hostname: string;
  /** Set when the host is an IP literal: nothing to resolve. */
  literal: string | null;
  port: number;
}

/**
 * Checks a URL before anything is resolved or sent (also when it is saved): http(s) only, https
 * outside development, no credentials in it, no names of this machine, and an IP literal host must
 * be a public address. WHATWG parsing normalizes the tricky spellings first (2130706433, 0x7f.1 and
 * 017700000001 all become 127.0.0.1), so the check sees the address that would be used.
 */
export function checkUrl(raw: string, policy: EgressPolicy): CheckedUrl {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new EgressError('invalid_url', 'Not a valid URL', true);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp))
    throw new EgressError(
      'scheme',
      policy.allowHttp ? 'The URL must start with http:// or https://' : 'The URL must start with https://',
      true,
    );
  if (url.username || url.password)
    throw new EgressError('credentials', 'The URL must not contain a user name or password', true);
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (!hostname) throw new EgressError('invalid_url', 'The URL has no host', true);
  const literal = classifyAddress(hostname) === null ? null : hostname;
  if (literal) {
    const refused = addressRefusal(literal, policy);
    if (refused) throw new EgressError('forbidden_address', refused, true);
  } else if (
    FORBIDDEN_NAME.test(hostname.replace(/\.$/, '')) &&
    !(policy.allowLoopback && /^localhost\.?$/i.test(hostname))
  ) {
    throw new EgressError(
      'forbidden_host',
      `${hostname} names a local or internal host, which webhooks may not reach`,
      true,
    );
  }
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  return { url, hostname, literal, port };
}
