import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'index.ts');
/** Packages a browser bundle may contain. Anything else (node:*, @mfiq/db, @trpc/server, pg...) is server code. */
const ALLOWED_PACKAGES = new Set(['zod']);

/** Every module reachable from the entry through static imports and re-exports (type-only ones excluded). */
function reachable(entry: string) {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(file, 'utf8');
    const specifiers = source.matchAll(/^(?:import|export)\s+(?!type\s)[^;]*?from\s+'([^']+)'/gms);
    for (const [, spec] of specifiers) {
      if (spec!.startsWith('.')) visit(path.resolve(path.dirname(file), spec!));
      else packages.add(spec!);
    }
  };
  visit(entry);
  return { files: [...files].map((f) => path.relative(path.dirname(ENTRY), f)), packages: [...packages] };
}

describe('@mfiq/api/shared is client-safe', () => {
  it('imports no server code, directly or through the schema modules it re-exports', () => {
    const { packages } = reachable(ENTRY);
    expect(packages.filter((p) => !ALLOWED_PACKAGES.has(p))).toEqual([]);
  });

  it('the walk follows re-exports (a server import added to a schema module would be seen)', () => {
    expect(reachable(ENTRY).files).toContain('constants.ts');
  });
});
