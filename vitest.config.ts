import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// One run, one PostgreSQL: the global setup (root only, so it runs once) starts a throwaway embedded
// cluster and migrates a template database; each test file clones it.
const project = (name: string, dir: string, extra: Record<string, unknown> = {}) => ({
  test: {
    name,
    root: here(dir),
    include: ['**/*.test.ts', '**/*.test.tsx'],
    exclude: ['**/node_modules/**', '**/build/**'],
    setupFiles: [here('./packages/db/src/testing/no-console-error.ts')],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks' as const,
    ...extra,
  },
});

export default defineConfig({
  test: {
    globalSetup: [here('./packages/db/src/testing/global-setup.ts')],
    projects: [
      project('db', './packages/db'),
      project('auth', './packages/auth'),
      project('api', './packages/api'),
      project('backup', './packages/backup'),
      project('evidence', './packages/evidence'),
      project('worker', './apps/worker'),
      project('web', './apps/web', { fileParallelism: false }),
      project('repo', './scripts'),
    ],
  },
});
