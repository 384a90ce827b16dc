// A vitest reporter for the full test run (`npm test`, which CI runs): vitest's JSON report,
// written quietly to .data/ci/test-report.json, so the console still ends with the summary. The
// security evidence pack reads it for each /security claim's last result (packages/evidence).
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { JsonReporter } from 'vitest/reporters';

const REPORT = fileURLToPath(new URL('../.data/ci/test-report.json', import.meta.url));

export default class CiTestReport extends JsonReporter {
  constructor() {
    super({});
  }

  override async writeReport(report: string): Promise<void> {
    await mkdir(path.dirname(REPORT), { recursive: true });
    await writeFile(REPORT, report);
  }
}
