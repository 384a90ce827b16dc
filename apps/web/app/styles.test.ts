import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const dir = new URL('./styles/', import.meta.url);
const sheets = readdirSync(dir)
  .filter((f) => f.endsWith('.css'))
  .map((name) => ({ name, css: readFileSync(new URL(name, dir), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '') }));

/** Selectors of the top-level rules (outside @media and other at-rules), one entry per selector. */
function topLevelSelectors(css: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < css.length; i++) {
    if (css[i] === '{') {
      const prelude = css.slice(start, i).trim();
      if (depth === 0 && !prelude.startsWith('@'))
        out.push(...prelude.split(',').map((s) => s.trim().replace(/\s+/g, ' ')));
      depth += 1;
      start = i + 1;
    } else if (css[i] === '}') {
      depth -= 1;
      start = i + 1;
    }
  }
  return out;
}

describe('stylesheets', () => {
  /**
   * Browsers drop every rule after an unclosed block without a word, so a lost `}` (easy to get in a
   * merge) silently unstyles half a page, including the honeypot that must stay off-screen.
   */
  it.each(sheets)('$name has balanced braces, and every top-level rule starts outside any block', ({ css }) => {
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

  /**
   * One selector, one file: when two files style the same selector, which one wins depends on which
   * pages load both and in what order. That is how the backups page's `.progress` once resized the
   * dashboard's target bars.
   */
  it('no selector has top-level rules in two files', () => {
    const seen = new Map<string, string>();
    const twice: string[] = [];
    for (const { name, css } of sheets) {
      for (const selector of topLevelSelectors(css)) {
        const first = seen.get(selector);
        if (first && first !== name) twice.push(`${selector} (${first} and ${name})`);
        else seen.set(selector, name);
      }
    }
    expect(twice).toEqual([]);
  });

  it('the honeypot stays off-screen on every page (its rule is in the base sheet)', () => {
    const base = sheets.find((s) => s.name === 'base.css')!.css;
    expect(base).toMatch(/\.hp-field\s*\{[^}]*left:\s*-10000px/);
  });
});
