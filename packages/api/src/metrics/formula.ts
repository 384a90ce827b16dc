/**
 * Formula metrics: a small recursive-descent parser for + - * / parentheses, numeric constants and
 * metric keys. No eval: the text becomes a tree, the tree is evaluated per period over numbers.
 *
 *   expr   := term (('+' | '-') term)*
 *   term   := factor (('*' | '/') factor)*
 *   factor := number | key | '(' expr ')' | '-' factor
 */
export type Formula =
  | { kind: 'num'; value: number }
  | { kind: 'ref'; key: string }
  | { kind: 'neg'; arg: Formula }
  | { kind: 'bin'; op: '+' | '-' | '*' | '/'; left: Formula; right: Formula };

export class FormulaError extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
    this.name = 'FormulaError';
  }
}

const MAX_LENGTH = 1000;
const MAX_DEPTH = 50;
type Token =
  | { type: 'num'; value: number; pos: number }
  | { type: 'key'; value: string; pos: number }
  | { type: 'op'; value: string; pos: number };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n') {
      i += 1;
    } else if ('+-*/()'.includes(c)) {
      tokens.push({ type: 'op', value: c, pos: i });
      i += 1;
    } else if (/[0-9.]/.test(c)) {
      const m = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(text.slice(i));
      if (!m) throw new FormulaError(`Bad number at position ${i + 1}`, i);
      const value = Number(m[0]);
      if (!Number.isFinite(value)) throw new FormulaError(`Number out of range at position ${i + 1}`, i);
      tokens.push({ type: 'num', value, pos: i });
      i += m[0].length;
    } else if (/[a-z]/.test(c)) {
      const m = /^[a-z][a-z0-9_]*/.exec(text.slice(i))!;
      tokens.push({ type: 'key', value: m[0], pos: i });
      i += m[0].length;
    } else {
      throw new FormulaError(
        `Unexpected character "${c}" at position ${i + 1}: use metric keys, numbers, + - * / and parentheses`,
        i,
      );
    }
  }
  return tokens;
}

export function parseFormula(text: string): Formula {
  if (text.length > MAX_LENGTH) throw new FormulaError(`A formula is at most ${MAX_LENGTH} characters`, 0);
  const tokens = tokenize(text);
  let at = 0;
  const peek = () => tokens[at];
  const fail = (what: string): never => {
    const t = peek();
    throw new FormulaError(
      t ? `${what} at position ${t.pos + 1}` : `${what} at the end of the formula`,
      t?.pos ?? text.length,
    );
  };

  function expr(depth: number): Formula {
    if (depth > MAX_DEPTH) fail('Formula nests too deeply');
    let left = term(depth);
    for (let t = peek(); t?.type === 'op' && (t.value === '+' || t.value === '-'); t = peek()) {
      at += 1;
      left = { kind: 'bin', op: t.value, left, right: term(depth) };
    }
    return left;
  }
  function term(depth: number): Formula {
    let left = factor(depth);
    for (let t = peek(); t?.type === 'op' && (t.value === '*' || t.value === '/'); t = peek()) {
      at += 1;
      left = { kind: 'bin', op: t.value, left, right: factor(depth) };
    }
    return left;
  }
  function factor(depth: number): Formula {
    const t = peek();
    if (!t) return fail('Expected a number, a metric key or "("');
    at += 1;
    if (t.type === 'num') return { kind: 'num', value: t.value };
    if (t.type === 'key') return { kind: 'ref', key: t.value };
    if (t.value === '(') {
      const inner = expr(depth + 1);
      if (peek()?.type !== 'op' || peek()!.value !== ')') fail('Expected ")"');
      at += 1;
      return inner;
    }
    if (t.value === '-') {
      if (depth > MAX_DEPTH) fail('Formula nests too deeply');
      // -(-x) is x and -(2) is -2, exactly: folding them keeps a tree within 4 nodes per leaf,
      // which is what bounds the work of evaluating it (formula-graph.ts).
      const arg = factor(depth + 1);
      if (arg.kind === 'neg') return arg.arg;
      if (arg.kind === 'num') return { kind: 'num', value: -arg.value };
      return { kind: 'neg', arg };
    }
    at -= 1;
    return fail(`Unexpected "${t.value}"`);
  }

  if (tokens.length === 0) throw new FormulaError('The formula is empty', 0);
  const tree = expr(0);
  if (at < tokens.length) fail('Unexpected text after the formula');
  return tree;
}

/** The metric keys a formula reads, in order of first appearance. */
export function formulaRefs(tree: Formula, out: string[] = []): string[] {
  if (tree.kind === 'ref' && !out.includes(tree.key)) out.push(tree.key);
  if (tree.kind === 'neg') formulaRefs(tree.arg, out);
  if (tree.kind === 'bin') {
    formulaRefs(tree.left, out);
    formulaRefs(tree.right, out);
  }
  return out;
}

/**
 * Evaluates over the parts' values for one period. A missing part (null) or a division by zero
 * makes the result null ("no value"), never Infinity or NaN.
 */
export function evaluateFormula(tree: Formula, value: (key: string) => number | null): number | null {
  switch (tree.kind) {
    case 'num':
      return tree.value;
    case 'ref':
      return value(tree.key);
    case 'neg': {
      const v = evaluateFormula(tree.arg, value);
      return v === null ? null : -v;
    }
    case 'bin': {
      const l = evaluateFormula(tree.left, value);
      const r = evaluateFormula(tree.right, value);
      if (l === null || r === null) return null;
      if (tree.op === '/' && r === 0) return null;
      const out = tree.op === '+' ? l + r : tree.op === '-' ? l - r : tree.op === '*' ? l * r : l / r;
      return Number.isFinite(out) ? out : null;
    }
  }
}

/**
 * Finds a cycle through formula metrics, given each formula metric's references. Returns the
 * cycle as a key path (`a -> b -> a`) or null.
 */
export function findCycle(graph: Map<string, string[]>, start: string): string[] | null {
  const path: string[] = [];
  const done = new Set<string>();
  function visit(key: string): string[] | null {
    const at = path.indexOf(key);
    if (at >= 0) return [...path.slice(at), key];
    if (done.has(key)) return null;
    path.push(key);
    for (const next of graph.get(key) ?? []) {
      const found = visit(next);
      if (found) return found;
    }
    path.pop();
    done.add(key);
    return null;
  }
  return visit(start);
}
