export { createTestDatabase, testCluster, type TestDatabase, type TestCluster } from './cluster.ts';
export { startThrowawayCluster, freePort, type ThrowawayCluster } from './throwaway.ts';
export { startPgbouncer, PGBOUNCER_BIN, type RunningPgbouncer } from './pgbouncer.ts';
