import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DECISIONS = path.join(ROOT, 'docs/decisions');
const records = readdirSync(DECISIONS).filter((f) => /^\d{4}-.+\.md$/.test(f));
const numbers = new Set(records.map((f) => f.slice(0, 4)));

/** Text files under version control (what a reader of the repository sees), generated types excluded. */
function trackedTextFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return out
    .split('\0')
    .filter((f) => /\.(md|ts|tsx|mjs|js|sql|json|sh|css)$/.test(f) && !f.includes('node_modules'))
    .filter((f) => existsSync(path.join(ROOT, f)));
}

describe('decision records', () => {
  it('every record is listed in docs/decisions/README.md, and every listed record exists', () => {
    const index = readFileSync(path.join(DECISIONS, 'README.md'), 'utf8');
    const listed = [...index.matchAll(/\]\((\d{4}-[^)]+\.md)\)/g)].map((m) => m[1]!);
    expect(records.filter((f) => !listed.includes(f))).toEqual([]);
    expect(listed.filter((f) => !records.includes(f))).toEqual([]);
  });

  it('no two records share a number', () => {
    expect(records.length).toBe(numbers.size);
  });

  it('every reference to a record, anywhere in the repository, names one that exists', () => {
    const broken: string[] = [];
    for (const file of trackedTextFiles()) {
      const text = readFileSync(path.join(ROOT, file), 'utf8');
      const inDecisions = file.startsWith('docs/decisions/');
      // `docs/decisions/0054-public-data-forms.md`, `docs/decisions/0042`, and inside the folder `(0054-x.md)`.
      const refs = [
        ...text.matchAll(/docs\/decisions\/(\d{4})(-[a-z0-9-]+\.md)?/g),
        ...(inDecisions ? text.matchAll(/\]\((\d{4})(-[a-z0-9-]+\.md)\)/g) : []),
      ];
      for (const [ref, number, rest] of refs) {
        const ok = rest ? existsSync(path.join(DECISIONS, `${number}${rest}`)) : numbers.has(number!);
        if (!ok) broken.push(`${file}: ${ref}`);
      }
    }
    expect(broken).toEqual([]);
  });
});

describe('README', () => {
  it('names every task the worker runs', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const sources = [
      'apps/worker/src/tasks',
      'apps/worker/src/audit',
      'packages/api/src/imports',
      'packages/api/src/alerts',
    ].flatMap((dir) =>
      readdirSync(path.join(ROOT, dir))
        .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
        .map((f) => readFileSync(path.join(ROOT, dir, f), 'utf8')),
    );
    // The identifiers createTaskList registers (`[PURGE_SESSIONS]: ...`), resolved to their string values.
    const registered = readFileSync(path.join(ROOT, 'apps/worker/src/tasks/index.ts'), 'utf8');
    const names = [...registered.matchAll(/\[([A-Z_]+)\]:/g)].map((m) => m[1]!);
    const values = new Map(
      sources.flatMap((s) =>
        [...s.matchAll(/export const ([A-Z_]+) = '([a-z_]+)';/g)].map((m) => [m[1]!, m[2]!] as const),
      ),
    );
    const tasks = names.map((n) => values.get(n) ?? n);
    expect(tasks.length).toBeGreaterThan(5);
    expect(tasks.filter((t) => !readme.includes(`\`${t}\``))).toEqual([]);
  });
});
