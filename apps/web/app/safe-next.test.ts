import { describe, expect, it } from 'vitest';
import { safeNext } from './safe-next.ts';

const ORIGIN = 'https://metrics.example.com';

/** What a browser does with our answer: resolves it as a Location header against this origin. */
const landsOn = (next: string) => new URL(next, `${ORIGIN}/login`);

/** Spellings that have turned "a path" into "another site" somewhere (browsers, servers, parsers). */
const BYPASSES = [
  '//evil.example',
  '//evil.example/x',
  '///evil.example',
  '////evil.example',
  '/\\evil.example',
  '/\\/evil.example',
  '\\/\\/evil.example',
  '\\\\evil.example',
  '/./evil.example',
  '/.//evil.example',
  '/..//evil.example',
  '/../..//evil.example',
  '/x/../..//evil.example',
  '/%2f%2fevil.example',
  '/%2F/evil.example',
  '/%5cevil.example',
  '/%5c%5cevil.example',
  '/%2e%2e//evil.example',
  '/\t/evil.example',
  '/\n/evil.example',
  '/\r/evil.example',
  '/\r\n/evil.example',
  '/ /evil.example',
  '\t//evil.example',
  ' //evil.example',
  '/\u0000/evil.example',
  '/\u00a0/evil.example',
  'https://evil.example',
  'http:evil.example',
  'https:/evil.example',
  '//user@evil.example',
  '/@evil.example',
  'javascript:alert(1)',
  'JaVaScRiPt:alert(1)',
  'data:text/html,hi',
  'evil.example',
  '／／evil.example',
  '/／evil.example',
  '/\u2215\u2215evil.example',
  '/\uff3cevil.example',
  '/%E2%88%95%E2%88%95evil.example',
  `/${'a'.repeat(5000)}`,
  '',
];

describe('safeNext', () => {
  it.each(BYPASSES.map((v) => [JSON.stringify(v), v]))('%s stays on this origin', (_label, value) => {
    const next = safeNext(value);
    expect(next.startsWith('/')).toBe(true);
    expect(next.startsWith('//')).toBe(false);
    expect(next).not.toMatch(/\\/);
    expect(landsOn(next).origin).toBe(ORIGIN);
    // The page it names has a path that starts with one slash, also decoded.
    expect(decodeURIComponent(landsOn(next).pathname)).not.toMatch(/^\/[/\\]/);
  });

  it('keeps real paths, with their query and fragment', () => {
    for (const path of ['/', '/orgs/acme', '/orgs/acme/settings?tab=members', '/account#two-factor', '/f/abc_DEF-123'])
      expect(safeNext(path)).toBe(path);
    expect(safeNext('/orgs/acme/../other')).toBe('/orgs/other');
    expect(safeNext(null)).toBe('/');
    expect(safeNext(undefined)).toBe('/');
  });
});
