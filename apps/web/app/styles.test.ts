import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * Browsers drop every rule after an unclosed block without a word, so a lost `}` (easy to get in a
 * merge) silently unstyles half the app, including the honeypot that must stay off-screen.
 */
describe('styles.css', () => {
  it('has balanced braces, and every top-level rule starts outside any block', () => {
    const css = readFileSync(new URL('./styles.css', import.meta.url), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
    let depth = 0;
    const misplaced: string[] = [];
    for (const line of css.split('\n')) {
      if (/^[.#a-z:@*[]/i.test(line) && line.trimEnd().endsWith('{') && depth !== 0) misplaced.push(line);
      for (const ch of line) depth += ch === '{' ? 1 : ch === '}' ? -1 : 0;
      expect(depth).toBeGreaterThanOrEqual(0);
    }
    expect(misplaced).toEqual([]);
    expect(depth).toBe(0);
  });
});
