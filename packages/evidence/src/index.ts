export { ALL_CLAIMS, SECURITY_SECTIONS, SECURITY_UPDATED, type Claim, type Proof, type Section } from './claims.ts';
export { collectEvidence, evidenceZip, type EvidenceOptions, type EvidencePack } from './pack.ts';
export { DEFAULT_TEST_REPORT_FILE, proofResult, readTestReport, type TestReport } from './test-report.ts';
