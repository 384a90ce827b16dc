import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { Proof } from './claims.ts';

/**
 * Where the last full test run (CI runs `npm test`) leaves vitest's JSON report
 * (scripts/bootstrap.mjs writes it). TEST_REPORT_FILE points elsewhere, e.g. at the report a
 * deployment pipeline copied next to the release.
 */
export const DEFAULT_TEST_REPORT_FILE = fileURLToPath(new URL('../../../.data/ci/test-report.json', import.meta.url));

const reportSchema = z.object({
  startTime: z.number(),
  success: z.boolean(),
  numTotalTests: z.number(),
  numFailedTests: z.number(),
  testResults: z.array(
    z.object({
      name: z.string(),
      assertionResults: z.array(
        z.object({ ancestorTitles: z.array(z.string()), title: z.string(), status: z.string() }),
      ),
    }),
  ),
});

export interface TestReport {
  file: string;
  startedAt: Date;
  success: boolean;
  tests: number;
  failed: number;
  /** `<file path as run> :: <suite > ... > test>` -> vitest's status (passed, failed, skipped, ...). */
  results: Map<string, string>;
}

export type ProofResult = 'passed' | 'failed' | 'skipped' | 'not in the report' | 'no report';

/** The last run's report, or null (with why) when there is none or it is not a vitest JSON report. */
export async function readTestReport(
  file = DEFAULT_TEST_REPORT_FILE,
): Promise<{ report: TestReport | null; why: string | null }> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { report: null, why: code === 'ENOENT' ? `no test report at ${file}` : `${file} is not JSON` };
  }
  const parsed = reportSchema.safeParse(raw);
  if (!parsed.success) return { report: null, why: `${file} is not a vitest JSON report` };
  const results = new Map<string, string>();
  for (const f of parsed.data.testResults)
    for (const t of f.assertionResults)
      results.set(`${f.name} :: ${[...t.ancestorTitles, t.title].join(' > ')}`, t.status);
  return {
    report: {
      file,
      startedAt: new Date(parsed.data.startTime),
      success: parsed.data.success,
      tests: parsed.data.numTotalTests,
      failed: parsed.data.numFailedTests,
      results,
    },
    why: null,
  };
}

/** The named test's outcome in the report (files match by their path from the repository root). */
export function proofResult(report: TestReport | null, proof: Proof): ProofResult {
  if (!report) return 'no report';
  const suffix = `/${proof.file} :: ${proof.test}`;
  for (const [key, status] of report.results) {
    if (key === `${proof.file} :: ${proof.test}` || key.endsWith(suffix)) {
      if (status === 'passed' || status === 'failed') return status;
      return 'skipped';
    }
  }
  return 'not in the report';
}
