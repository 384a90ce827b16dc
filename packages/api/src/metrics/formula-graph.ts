import type { TenantDb } from '@mfiq/db';
import type { MetricDef } from './aggregate.ts';
import { formulaRefs, parseFormula, type Formula } from './formula.ts';

/**
 * The bounds on the work one formula can cause (docs/decisions/0090-work-bounds.md). A formula's
 * size is counted with every formula it uses written out in place: `b = a + a` and `c = b * b`
 * make `c` four terms. Terms are its leaves (metric references and numbers), levels how many
 * formulas deep it reaches. Saving refuses a formula beyond either bound; evaluation refuses one
 * that was stored before the bound existed, so no stored graph can make a request hang.
 */
export const MAX_FORMULA_TERMS = 1000;
export const MAX_FORMULA_LEVELS = 8;

export interface FormulaShape {
  terms: number;
  levels: number;
}

export const isTooComplex = (s: FormulaShape) => s.terms > MAX_FORMULA_TERMS || s.levels > MAX_FORMULA_LEVELS;

/** The message for a formula past the bounds, naming the bound it breaks. */
export function complexityMessage(s: FormulaShape, subject = 'This formula'): string {
  if (s.levels > MAX_FORMULA_LEVELS)
    return `${subject} reaches formulas more than ${MAX_FORMULA_LEVELS} levels deep (the limit is ${MAX_FORMULA_LEVELS})`;
  return `${subject} has more than ${MAX_FORMULA_TERMS.toLocaleString('en-US')} terms once the formulas it uses are written out (the limit is ${MAX_FORMULA_TERMS.toLocaleString('en-US')})`;
}

/** Work done evaluating formulas: one per tree node per bucket. Read by tests and benchmarks. */
export const formulaWork = { operations: 0 };

const cache = new Map<string, Formula | null>();

/** A stored formula's tree, or null when it no longer parses (it then evaluates to no value). */
export function treeOf(formula: string): Formula | null {
  let t = cache.get(formula);
  if (t === undefined) {
    try {
      t = parseFormula(formula);
    } catch {
      t = null;
    }
    if (cache.size >= 5000) cache.clear();
    cache.set(formula, t);
  }
  return t;
}

/**
 * Shapes over a graph of formulas, memoized per key, so a graph whose written-out size is
 * exponential costs one visit per key. `treeFor` answers a formula's tree, or undefined for a
 * plain or unknown metric (one term, level 0). A reference back into the path being measured (a
 * cycle, which saving refuses) counts as one term. Counts saturate just past the bounds, and the
 * walk stops a path once it is deeper than the bound, so a stored chain of any length is cheap.
 */
export function createShaper(treeFor: (key: string) => Formula | null | undefined) {
  const memo = new Map<string, FormulaShape>();
  const path = new Set<string>();
  const CAP = MAX_FORMULA_TERMS + 1;
  // `exact` is false when a path was cut: such a shape is only known to be past the bound.
  const visit = (key: string): FormulaShape & { exact: boolean } => {
    const known = memo.get(key);
    if (known) return { ...known, exact: true };
    const tree = treeFor(key);
    if (tree === undefined || path.has(key)) return { terms: 1, levels: 0, exact: true };
    if (tree === null) return { terms: 1, levels: 1, exact: true };
    if (path.size > MAX_FORMULA_LEVELS) return { terms: 1, levels: MAX_FORMULA_LEVELS + 1, exact: false };
    path.add(key);
    let terms = 0;
    let levels = 0;
    let exact = true;
    const walk = (f: Formula) => {
      if (f.kind === 'num') terms += 1;
      else if (f.kind === 'ref') {
        const s = visit(f.key);
        terms = Math.min(CAP, terms + s.terms);
        levels = Math.max(levels, s.levels);
        exact &&= s.exact;
      } else if (f.kind === 'neg') walk(f.arg);
      else {
        walk(f.left);
        walk(f.right);
      }
    };
    walk(tree);
    path.delete(key);
    const shape = { terms: Math.min(CAP, Math.max(1, terms)), levels: levels + 1 };
    if (exact) memo.set(key, shape);
    return { ...shape, exact };
  };
  return (key: string): FormulaShape => {
    const { terms, levels } = visit(key);
    return { terms, levels };
  };
}

/**
 * Loads the definitions the roots need: each formula's parts, level by level (one query per
 * level, all roots together), one level past the bound so a deeper graph shows as too deep.
 * Unknown keys stay out of the map and evaluate to no value.
 */
export async function loadFormulaGraph(
  db: TenantDb,
  tenantId: string,
  roots: MetricDef[],
): Promise<Map<string, MetricDef>> {
  const defs = new Map<string, MetricDef>(roots.map((r) => [r.key, r]));
  const refsOf = (d: MetricDef) => {
    const tree = d.formula ? treeOf(d.formula) : null;
    return tree ? formulaRefs(tree) : [];
  };
  let pending = [...new Set(roots.flatMap(refsOf))].filter((k) => !defs.has(k));
  for (let level = 0; pending.length && level <= MAX_FORMULA_LEVELS; level++) {
    const rows = await db
      .selectFrom('metrics')
      .select(['id', 'key', 'aggregation', 'formula'])
      .where('tenantId', '=', tenantId)
      .where('key', 'in', pending)
      .execute();
    const next = new Set<string>();
    for (const r of rows) {
      if (defs.has(r.key)) continue;
      defs.set(r.key, r);
      for (const k of refsOf(r)) if (!defs.has(k)) next.add(k);
    }
    pending = [...next];
  }
  return defs;
}

/**
 * Splits the roots into those within the bounds and those past them (with their shape), and
 * names the plain metrics the former read: only those are worth aggregating.
 */
export function planGraph(defs: Map<string, MetricDef>, roots: MetricDef[]) {
  const treeFor = (key: string) => {
    const d = defs.get(key);
    return d?.formula ? treeOf(d.formula) : undefined;
  };
  const shape = createShaper(treeFor);
  const tooComplex = new Map<string, FormulaShape>();
  const plain = new Map<string, MetricDef>();
  const seen = new Set<string>();
  const visit = (key: string) => {
    if (seen.has(key)) return;
    seen.add(key);
    const def = defs.get(key);
    if (!def) return;
    if (!def.formula) plain.set(def.id, def);
    else for (const k of formulaRefs(treeFor(key) ?? { kind: 'num', value: 0 })) visit(k);
  };
  for (const root of roots) {
    const s = root.formula ? shape(root.key) : null;
    if (s && isTooComplex(s)) tooComplex.set(root.id, s);
    else visit(root.key);
  }
  return { tooComplex, plain: [...plain.values()] };
}

/**
 * Evaluates a tree over `n` buckets at once. Values are Float64Arrays with NaN for "no value":
 * NaN carries through + - * / exactly as null does in evaluateFormula, and a division by zero or
 * a non-finite result becomes NaN, so the result equals evaluateFormula bucket by bucket.
 */
function evaluateVector(tree: Formula, n: number, part: (key: string) => Float64Array): Float64Array {
  formulaWork.operations += n;
  switch (tree.kind) {
    case 'num':
      return new Float64Array(n).fill(tree.value);
    case 'ref':
      return part(tree.key);
    case 'neg': {
      const a = evaluateVector(tree.arg, n, part);
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = -a[i]!;
      return out;
    }
    case 'bin': {
      const l = evaluateVector(tree.left, n, part);
      const r = evaluateVector(tree.right, n, part);
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const a = l[i]!;
        const b = r[i]!;
        const v =
          tree.op === '+' ? a + b : tree.op === '-' ? a - b : tree.op === '*' ? a * b : b === 0 ? Number.NaN : a / b;
        out[i] = Number.isFinite(v) ? v : Number.NaN;
      }
      return out;
    }
  }
}

/** A root that was not evaluated because its formula is past the bounds, with its shape. */
export interface TooComplex {
  tooComplex: FormulaShape;
}
export type GraphValues = Map<string, (number | null)[] | TooComplex>;

/**
 * The roots' values over `n` buckets, given the graph (loadFormulaGraph) and each plain metric's
 * aggregate per bucket. Every formula is evaluated once over all buckets whatever the number of
 * paths to it, so the work is the graph's size times the buckets, never its written-out size. A
 * sum or count part with no data counts as 0; a missing part, a cycle, a stored formula that no
 * longer parses or a division by zero gives null. A root past the bounds is not evaluated: it
 * comes back as `{ tooComplex }`.
 */
export function evaluateGraph(
  defs: Map<string, MetricDef>,
  roots: MetricDef[],
  n: number,
  plain: (def: MetricDef) => readonly (number | null | undefined)[],
): GraphValues {
  const treeFor = (key: string) => {
    const d = defs.get(key);
    return d?.formula ? treeOf(d.formula) : undefined;
  };
  const shape = createShaper(treeFor);
  const none = new Float64Array(n).fill(Number.NaN);
  const memo = new Map<string, Float64Array>();
  const stack = new Set<string>();
  const vector = (key: string, asPart: boolean): Float64Array => {
    const def = defs.get(key);
    if (!def || stack.has(key)) return none;
    if (!def.formula) {
      const zero = asPart && (def.aggregation === 'sum' || def.aggregation === 'count');
      const v = plain(def);
      return Float64Array.from({ length: n }, (_, i) => v[i] ?? (zero ? 0 : Number.NaN));
    }
    const known = memo.get(key);
    if (known) return known;
    const tree = treeOf(def.formula);
    if (!tree) return none;
    stack.add(key);
    const out = evaluateVector(tree, n, (k) => vector(k, true));
    stack.delete(key);
    memo.set(key, out);
    return out;
  };
  const out: GraphValues = new Map();
  for (const root of roots) {
    const def = defs.get(root.key);
    if (def && !def.formula) {
      // A plain root is its own aggregates: no detour through a vector (most of a dashboard's roots).
      const v = plain(def);
      const values = new Array<number | null>(n);
      for (let i = 0; i < n; i++) {
        const x = v[i];
        values[i] = x === undefined || x === null || Number.isNaN(x) ? null : x;
      }
      out.set(root.id, values);
      continue;
    }
    const s = root.formula ? shape(root.key) : null;
    if (s && isTooComplex(s)) {
      out.set(root.id, { tooComplex: s });
      continue;
    }
    out.set(
      root.id,
      Array.from(vector(root.key, false), (v) => (Number.isNaN(v) ? null : v)),
    );
  }
  return out;
}
