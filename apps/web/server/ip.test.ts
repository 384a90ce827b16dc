import { describe, expect, it } from 'vitest';
import { isLoopbackAddress, normalizeIp, rateLimitKey, sameAddress } from './ip.ts';

describe('IP addresses', () => {
  it('normalizes IPv4-mapped IPv6 addresses', () => {
    expect(normalizeIp('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(normalizeIp('2001:DB8::1')).toBe('2001:db8::1');
  });

  it('knows loopback in every spelling, and nothing else', () => {
    for (const ip of ['127.0.0.1', '127.3.2.1', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', '::ffff:7f00:1'])
      expect(isLoopbackAddress(ip), ip).toBe(true);
    for (const ip of ['128.0.0.1', '10.0.0.1', '::', '::2', '::ffff:10.0.0.1', '127.evil.test', 'localhost', ''])
      expect(isLoopbackAddress(ip), ip).toBe(false);
  });

  it('compares addresses across spellings', () => {
    expect(sameAddress('::ffff:192.0.2.1', '192.0.2.1')).toBe(true);
    expect(sameAddress('[2001:DB8::1]', '2001:db8:0:0:0:0:0:1')).toBe(true);
    expect(sameAddress('192.0.2.1', '192.0.2.2')).toBe(false);
    expect(sameAddress('host.test', 'host.test')).toBe(false);
  });

  it('rate limits IPv6 by its /64 and IPv4-mapped IPv6 as IPv4', () => {
    expect(rateLimitKey('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(rateLimitKey('2001:db8:1:2:ffff:eeee:dddd:cccc')).toBe('2001:db8:1:2::/64');
    expect(rateLimitKey('2001:DB8:1:3::1')).toBe('2001:db8:1:3::/64');
    expect(rateLimitKey('::ffff:198.51.100.7')).toBe('198.51.100.7');
    expect(rateLimitKey('::ffff:c633:6407')).toBe('198.51.100.7');
    expect(rateLimitKey('198.51.100.7')).toBe('198.51.100.7');
    expect(rateLimitKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(rateLimitKey(null)).toBe('unknown');
    expect(rateLimitKey('not an address')).toBe('unknown');
  });
});
