import type { TestProject } from 'vitest/node';
import { TEMPLATE_DB, type TestCluster } from './cluster.ts';
import { startThrowawayCluster } from './throwaway.ts';

/**
 * One throwaway PostgreSQL per test run with a migrated template database; each test file clones
 * the template (see cluster.ts). The cluster's coordinates reach the test workers through
 * vitest's provide() and, for forked workers, the environment.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cluster = await startThrowawayCluster(TEMPLATE_DB);
  const provided: TestCluster = { adminUrl: cluster.adminUrl, passwords: cluster.passwords };
  project.provide('pgCluster', provided);
  process.env.MFIQ_TEST_CLUSTER = JSON.stringify(provided);
  return () => cluster.stop();
}
