import { isIPv4, isIPv6 } from 'node:net';

/**
 * Which IP addresses a request to a URL a tenant gave may reach. Only public unicast addresses:
 * loopback, private, shared (CGNAT), link-local (where cloud metadata lives), multicast, documentation,
 * reserved and unspecified ranges are refused, for IPv4 and IPv6 alike, and an IPv6 address that
 * carries an IPv4 one (mapped, compatible, NAT64, 6to4) is judged by the IPv4 address inside.
 */
export type AddressClass =
  'public' | 'loopback' | 'private' | 'link-local' | 'metadata' | 'multicast' | 'unspecified' | 'reserved';

type Range4 = [base: number, bits: number, kind: Exclude<AddressClass, 'public'>];

const v4 = (text: string): number => text.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);

const V4_RANGES: Range4[] = (
  [
    ['0.0.0.0', 8, 'unspecified'],
    ['10.0.0.0', 8, 'private'],
    ['100.64.0.0', 10, 'private'],
    ['127.0.0.0', 8, 'loopback'],
    ['169.254.169.254', 32, 'metadata'],
    ['169.254.0.0', 16, 'link-local'],
    ['172.16.0.0', 12, 'private'],
    ['192.0.0.0', 24, 'reserved'],
    ['192.0.2.0', 24, 'reserved'],
    ['192.88.99.0', 24, 'reserved'],
    ['192.168.0.0', 16, 'private'],
    ['198.18.0.0', 15, 'reserved'],
    ['198.51.100.0', 24, 'reserved'],
    ['203.0.113.0', 24, 'reserved'],
    ['224.0.0.0', 4, 'multicast'],
    ['240.0.0.0', 4, 'reserved'],
  ] as const
).map(([base, bits, kind]) => [v4(base), bits, kind]);

function classifyV4(n: number): AddressClass {
  for (const [base, bits, kind] of V4_RANGES) {
    const size = 2 ** (32 - bits);
    if (n >= base && n < base + size) return kind;
  }
  return 'public';
}

/** The eight 16-bit groups of an IPv6 address (with an embedded dotted IPv4 tail, zone dropped). */
function groups6(text: string): number[] {
  let s = text.replace(/%.*$/, '').toLowerCase();
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (tail) {
    const n = v4(tail[1]!);
    s = `${s.slice(0, -tail[1]!.length)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, rest] = s.split('::') as [string, string | undefined];
  const a = head ? head.split(':') : [];
  const b = rest ? rest.split(':') : [];
  const fill = rest === undefined ? [] : Array(8 - a.length - b.length).fill('0');
  return [...a, ...fill, ...b].map((g) => parseInt(g, 16));
}

function classifyV6(g: number[]): AddressClass {
  const embedded = (hi: number, lo: number) => classifyV4(hi * 65536 + lo);
  const zeroPrefix = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (g.every((x) => x === 0)) return 'unspecified';
  if (zeroPrefix(7) && g[7] === 1) return 'loopback';
  if (zeroPrefix(5) && g[5] === 0xffff) return embedded(g[6]!, g[7]!); // ::ffff:a.b.c.d (mapped)
  if (zeroPrefix(6)) return embedded(g[6]!, g[7]!); // ::a.b.c.d (compatible, deprecated)
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return embedded(g[6]!, g[7]!); // 64:ff9b::/96 (NAT64)
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1) return 'private'; // 64:ff9b:1::/48 (local NAT64)
  if (g[0] === 0x2002) return embedded(g[1]!, g[2]!); // 2002::/16 (6to4)
  if (g[0] === 0xfd00 && g[1] === 0x0ec2 && g.slice(2, 7).every((x) => x === 0) && g[7] === 0x254) return 'metadata';
  const first = g[0]!;
  if ((first & 0xfe00) === 0xfc00) return 'private'; // fc00::/7 (unique local)
  if ((first & 0xffc0) === 0xfe80 || (first & 0xffc0) === 0xfec0) return 'link-local'; // fe80::/10, fec0::/10
  if ((first & 0xff00) === 0xff00) return 'multicast';
  if (first === 0x2001 && (g[1]! & 0xfe00) === 0) return 'reserved'; // 2001::/23 (incl. Teredo 2001::/32)
  if (first === 0x2001 && g[1] === 0x0db8) return 'reserved'; // documentation
  if (first === 0x0100 && g[1] === 0 && g[2] === 0 && g[3] === 0) return 'reserved'; // discard
  if ((first & 0xe000) !== 0x2000) return 'reserved'; // outside 2000::/3, global unicast
  return 'public';
}

/** The class of an IP address in text form; null when it is not an IP address. */
export function classifyAddress(address: string): AddressClass | null {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  if (isIPv4(bare)) return classifyV4(v4(bare));
  if (isIPv6(bare)) return classifyV6(groups6(bare));
  return null;
}
