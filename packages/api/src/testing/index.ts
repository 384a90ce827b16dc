// Test helpers for other packages' tests (the worker's, the web's): the API wired to a test database.
export { createHarness, snapshot, TEST_PASSWORD, type Harness } from './harness.ts';
export { addMetric, addRule, alertOrg, evaluate, eventsOf, write, PUBLIC_URL } from './alerts.ts';
