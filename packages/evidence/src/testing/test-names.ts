import ts from 'typescript';

/**
 * The tests a file declares, as vitest names them (suite names and the test's name joined by
 * " > "), read from its source without running it. A name built at run time (a template with
 * substitutions) becomes a pattern in which each substitution matches any text.
 */
export function testNamesIn(source: string, fileName = 'test.ts'): { names: Set<string>; patterns: RegExp[] } {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const names = new Set<string>();
  const patterns: RegExp[] = [];
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

  /** A call's name as a regular-expression source (literal text escaped, substitutions as `.+`), or null. */
  function nameOf(arg: ts.Expression | undefined): { text: string; pattern: string } | null {
    if (!arg) return null;
    if (ts.isStringLiteral(arg) || ts.isNoSubstitutionTemplateLiteral(arg))
      return { text: arg.text, pattern: escape(arg.text) };
    if (ts.isTemplateExpression(arg)) {
      const parts = [escape(arg.head.text), ...arg.templateSpans.map((s) => `.+${escape(s.literal.text)}`)];
      return { text: '', pattern: parts.join('') };
    }
    return null;
  }

  /** `describe`/`it`/`test`, also with a modifier (`it.skip`, `describe.concurrent`). */
  function kindOf(call: ts.CallExpression): 'suite' | 'test' | null {
    let callee = call.expression;
    while (ts.isPropertyAccessExpression(callee)) callee = callee.expression;
    if (!ts.isIdentifier(callee)) return null;
    if (callee.text === 'describe') return 'suite';
    if (callee.text === 'it' || callee.text === 'test') return 'test';
    return null;
  }

  function visit(node: ts.Node, suites: { text: string; pattern: string }[]): void {
    if (ts.isCallExpression(node)) {
      const kind = kindOf(node);
      const name = kind ? nameOf(node.arguments[0]) : null;
      if (kind && name) {
        const path = [...suites, name];
        if (kind === 'test') {
          if (path.every((p) => p.text || p.pattern === '')) names.add(path.map((p) => p.text).join(' > '));
          else patterns.push(new RegExp(`^${path.map((p) => p.pattern).join(' > ')}$`));
        }
        for (const arg of node.arguments.slice(1)) visit(arg, kind === 'suite' ? path : suites);
        return;
      }
    }
    ts.forEachChild(node, (child) => visit(child, suites));
  }
  visit(file, []);
  return { names, patterns };
}
