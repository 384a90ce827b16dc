import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MetricDef } from './aggregate.ts';
import { evaluateFormula, parseFormula } from './formula.ts';
import { createShaper, evaluateGraph, formulaWork, MAX_FORMULA_LEVELS, MAX_FORMULA_TERMS } from './formula-graph.ts';

const plain = (key: string, aggregation: MetricDef['aggregation'] = 'sum'): MetricDef => ({
  id: `id-${key}`,
  key,
  aggregation,
  formula: null,
});
const formula = (key: string, text: string): MetricDef => ({ id: `id-${key}`, key, aggregation: 'sum', formula: text });
const graphOf = (...defs: MetricDef[]) => new Map(defs.map((d) => [d.key, d]));

/** The definition, written the naive way: every reference re-evaluated, bucket by bucket. */
function naive(defs: Map<string, MetricDef>, data: Map<string, (number | null)[]>, root: string, n: number) {
  return Array.from({ length: n }, (_, b) => {
    const visiting = new Set<string>();
    const value = (key: string, asPart: boolean): number | null => {
      const def = defs.get(key);
      if (!def || visiting.has(key)) return null;
      if (!def.formula) {
        const v = data.get(def.id)?.[b] ?? null;
        return v ?? (asPart && (def.aggregation === 'sum' || def.aggregation === 'count') ? 0 : null);
      }
      visiting.add(key);
      const v = evaluateFormula(parseFormula(def.formula), (k) => value(k, true));
      visiting.delete(key);
      return v;
    };
    return value(root, false);
  });
}

/** `b1 = a + a + ...` (width times), `b2 = b1 + b1 + ...`: width^levels terms once written out. */
function explodingChain(levels: number, width: number): MetricDef[] {
  const defs = [plain('a')];
  for (let l = 1; l <= levels; l++)
    defs.push(formula(`b${l}`, Array.from({ length: width }, () => (l === 1 ? 'a' : `b${l - 1}`)).join(' + ')));
  return defs;
}

describe('formula graph: shapes', () => {
  it('counts the written-out terms of an exponential chain with one visit per key, saturating past the bound', () => {
    const defs = graphOf(...explodingChain(6, 10));
    const shape = createShaper((k) => {
      const d = defs.get(k);
      return d?.formula ? parseFormula(d.formula) : undefined;
    });
    expect(shape('b2')).toEqual({ terms: 100, levels: 2 });
    expect(shape('b3')).toEqual({ terms: 1000, levels: 3 });
    expect(shape('b4')).toEqual({ terms: MAX_FORMULA_TERMS + 1, levels: 4 });
    expect(shape('b6')).toEqual({ terms: MAX_FORMULA_TERMS + 1, levels: 6 });
  });

  it('counts numbers as terms, a cycle as one term, and stops a chain longer than the bound', () => {
    const trees = new Map([
      ['x', parseFormula('a * 2 + 3')],
      ['c1', parseFormula('c2 + 1')],
      ['c2', parseFormula('c1 + 1')],
    ]);
    for (let i = 0; i < 5000; i++) trees.set(`k${i}`, parseFormula(`k${i + 1} + 1`));
    const shape = createShaper((k) => trees.get(k));
    expect(shape('x')).toEqual({ terms: 3, levels: 1 });
    expect(shape('c1')).toEqual({ terms: 3, levels: 2 });
    // A stored chain 5,000 formulas long is measured as "past the bound" without walking it all.
    expect(shape('k0').levels).toBeGreaterThan(MAX_FORMULA_LEVELS);
    expect(shape(`k${5000 - MAX_FORMULA_LEVELS}`).levels).toBe(MAX_FORMULA_LEVELS);
  });
});

describe('formula graph: evaluation', () => {
  it('evaluates each formula once over all buckets: a diamond 8 levels deep costs its nodes, not 2^8 paths', () => {
    const defs = [plain('a'), plain('b', 'avg'), formula('x1', 'a + b'), formula('y1', 'a - b')];
    for (let l = 2; l <= MAX_FORMULA_LEVELS; l++) {
      defs.push(formula(`x${l}`, `x${l - 1} + y${l - 1}`), formula(`y${l}`, `(x${l - 1} - y${l - 1}) / 2`));
    }
    const graph = graphOf(...defs);
    const n = 50;
    const data = new Map([
      ['id-a', Array.from({ length: n }, (_, i) => (i % 7 === 0 ? null : i * 1.5))],
      ['id-b', Array.from({ length: n }, (_, i) => (i % 5 === 0 ? null : 10 - i))],
    ]);
    const root = graph.get(`x${MAX_FORMULA_LEVELS}`)!;
    const before = formulaWork.operations;
    const out = evaluateGraph(graph, [root], n, (d) => data.get(d.id)!).get(root.id);
    const work = formulaWork.operations - before;
    expect(out).toEqual(naive(graph, data, root.key, n));
    // 16 formulas of at most 5 nodes each, once per bucket each.
    expect(work).toBeLessThanOrEqual(16 * 5 * n);
  });

  it('does not evaluate a stored formula past the bounds (work stays at zero) and says which bound', () => {
    const defs = graphOf(...explodingChain(6, 10));
    const root = defs.get('b6')!;
    const before = formulaWork.operations;
    const out = evaluateGraph(defs, [root, defs.get('b2')!], 1000, () => new Array<number>(1000).fill(1));
    expect(out.get(root.id)).toEqual({ tooComplex: { terms: MAX_FORMULA_TERMS + 1, levels: 6 } });
    expect(out.get('id-b2')).toEqual(new Array<number>(1000).fill(100));
    // Only b2 and b1 were evaluated: 10 references and 9 additions each, per bucket.
    expect(formulaWork.operations - before).toBe(2 * 19 * 1000);
  });

  it('equals the naive definition on generated ordinary formulas (nulls, zero sums, division by zero, -0)', () => {
    const keys = ['s', 'c', 'v', 'f1', 'f2'];
    const leaf = fc.oneof(
      fc.constantFrom('s', 'c', 'v', 'f1', 'ghost'),
      fc.constantFrom('0', '1', '2.5', '1e300', '0.1'),
    );
    const expr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
      e: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        fc.tuple(tie('e'), fc.constantFrom('+', '-', '*', '/'), tie('e')).map(([l, op, r]) => `(${l} ${op} ${r})`),
        tie('e').map((e) => `-${e}`),
      ),
    })).e;
    const column = fc.array(fc.option(fc.constantFrom(0, -0, 1, -3.5, 1e308, 7), { nil: null }), {
      minLength: 4,
      maxLength: 4,
    });
    fc.assert(
      fc.property(expr, expr, column, column, column, (e1, e2, s, c, v) => {
        const graph = graphOf(
          plain('s'),
          plain('c', 'count'),
          plain('v', 'avg'),
          formula('f1', e1.replaceAll('f1', 's')),
          formula('f2', e2),
        );
        const data = new Map([
          ['id-s', s],
          ['id-c', c],
          ['id-v', v],
        ]);
        for (const k of keys) {
          const def = graph.get(k)!;
          expect(evaluateGraph(graph, [def], 4, (d) => data.get(d.id)!).get(def.id)).toEqual(naive(graph, data, k, 4));
        }
      }),
      { seed: 20261206, numRuns: 300 },
    );
  });
});
