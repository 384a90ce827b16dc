export { createTestDatabase, testCluster, type TestDatabase, type TestCluster } from './cluster.ts';
