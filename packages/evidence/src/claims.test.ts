import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ALL_CLAIMS, SECURITY_SECTIONS } from './claims.ts';
import { testNamesIn } from './testing/test-names.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('security claims', () => {
  it('every claim names a test that exists', async () => {
    const missing: string[] = [];
    const cache = new Map<string, ReturnType<typeof testNamesIn> | null>();
    for (const claim of ALL_CLAIMS) {
      const { file, test } = claim.proof;
      if (!cache.has(file)) {
        const source = await readFile(`${ROOT}${file}`, 'utf8').catch(() => null);
        cache.set(file, source === null ? null : testNamesIn(source, file));
      }
      const found = cache.get(file);
      if (!found) missing.push(`${claim.id}: no file ${file}`);
      else if (!found.names.has(test) && !found.patterns.some((p) => p.test(test)))
        missing.push(`${claim.id}: no test "${test}" in ${file}`);
    }
    expect(missing).toEqual([]);
  });

  it('ids are unique, and every section and group has claims', () => {
    const ids = ALL_CLAIMS.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const s of SECURITY_SECTIONS) {
      expect(s.groups.length, s.id).toBeGreaterThan(0);
      for (const g of s.groups) expect(g.claims.length, `${s.id} / ${g.title}`).toBeGreaterThan(0);
    }
  });

  it('the link check itself: a renamed or removed test is caught', () => {
    // The parser must read modified tests too (skip, only, each...); this one is a fixture, not a skipped test.
    const modifier = 'skip';
    const source = `
      describe('outer', () => {
        it('kept', () => {});
        describe.concurrent(\`inner \${1}\`, () => { it.${modifier}('deep', () => {}); });
        for (const c of ['a']) it(\`holds: \${c}\`, () => {});
      });
      test('top', () => {});`;
    const found = testNamesIn(source);
    expect([...found.names].sort()).toEqual(['outer > kept', 'top']);
    const matches = (name: string) => found.names.has(name) || found.patterns.some((p) => p.test(name));
    expect(matches('outer > holds: rls')).toBe(true);
    expect(matches('outer > inner 1 > deep')).toBe(true);
    expect(matches('outer > renamed')).toBe(false);
    expect(matches('kept')).toBe(false);
  });
});
