// Child process for bench/backup.ts: one backup of one tenant, as the worker role, reporting its
// duration and the process's peak memory (max RSS) on stdout as JSON.
import { randomUUID } from 'node:crypto';
import { FsStorage, generateKeyring, runBackup } from '@mfiq/backup';
import { createDb } from '@mfiq/db';

const db = createDb(process.env.BENCH_WORKER_URL!, { max: 2, statementTimeoutMs: 0 });
const t0 = performance.now();
const result = await runBackup({
  db,
  storage: new FsStorage(process.env.BENCH_BACKUP_DIR!),
  keyring: generateKeyring('bench'),
  tenantId: process.env.BENCH_TENANT!,
  backupId: randomUUID(),
});
const ms = performance.now() - t0;
await db.destroy();
process.stdout.write(
  JSON.stringify({
    ms,
    bytes: result.bytes,
    rows: result.manifest.tables.reduce((n, t) => n + t.rows, 0),
    maxRssKb: process.resourceUsage().maxRSS,
  }),
);
