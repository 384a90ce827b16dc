import { describe, expect, it } from 'vitest';
import { evaluateFormula, findCycle, FormulaError, formulaRefs, parseFormula } from './formula.ts';

const run = (text: string, values: Record<string, number | null> = {}) =>
  evaluateFormula(parseFormula(text), (k) => values[k] ?? null);

describe('formula parser', () => {
  it('follows precedence, associativity, parentheses and unary minus', () => {
    expect(run('1 + 2 * 3')).toBe(7);
    expect(run('(1 + 2) * 3')).toBe(9);
    expect(run('10 - 4 - 3')).toBe(3);
    expect(run('24 / 4 / 2')).toBe(3);
    expect(run('-2 * -(3 + 1)')).toBe(8);
    expect(run('1.5e2 + .5')).toBe(150.5);
    expect(run('revenue / signups * 100', { revenue: 50, signups: 200 })).toBe(25);
    expect(formulaRefs(parseFormula('a + b * a - (c)'))).toEqual(['a', 'b', 'c']);
  });

  it('gives no value for division by zero, missing parts and overflow', () => {
    expect(run('1 / 0')).toBeNull();
    expect(run('a / (b - b)', { a: 1, b: 2 })).toBeNull();
    expect(run('a + 1')).toBeNull();
    expect(run('1e300 * 1e300')).toBeNull();
  });

  it('refuses what is not a formula, saying where', () => {
    const fail = (text: string) => {
      try {
        parseFormula(text);
        return 'parsed';
      } catch (e) {
        expect(e).toBeInstanceOf(FormulaError);
        return (e as Error).message;
      }
    };
    expect(fail('')).toMatch(/empty/);
    expect(fail('1 +')).toMatch(/end of the formula/);
    expect(fail('(1 + 2')).toMatch(/Expected "\)"/);
    expect(fail('1 2')).toMatch(/Unexpected text after the formula at position 3/);
    expect(fail('a; drop table metrics')).toMatch(/Unexpected character ";"/);
    expect(fail('Revenue')).toMatch(/Unexpected character "R"/);
    expect(fail(`${'('.repeat(100)}1${')'.repeat(100)}`)).toMatch(/nests too deeply/);
    expect(fail(`${'-'.repeat(100)}1`)).toMatch(/nests too deeply/);
  });

  it('finds cycles through other formulas', () => {
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c', 'x']],
      ['c', ['a']],
    ]);
    expect(findCycle(graph, 'a')).toEqual(['a', 'b', 'c', 'a']);
    expect(
      findCycle(
        new Map([
          ['a', ['b']],
          ['b', ['x']],
        ]),
        'a',
      ),
    ).toBeNull();
  });
});
