import { mkdir, writeFile } from 'node:fs/promises';
import { benchAlerts } from './alerts.ts';
import { benchAuditDrain } from './audit-drain.ts';
import { benchBackup } from './backup.ts';
import { benchCsvImport } from './csv-import.ts';
import { benchDashboards } from './dashboards.ts';
import { benchHttp } from './http.ts';
import { benchIngest } from './ingest.ts';
import { benchLoad } from './load.ts';
import { benchSignIn } from './sign-in.ts';
import { benchTenantRead } from './tenant-read.ts';

// Usage: pnpm bench [name ...]   (names: tenant-read, audit-drain, ingest, csv-import, backup, dashboards, sign-in, alerts, http, load)
const BENCHES: Record<string, () => Promise<Record<string, unknown>>> = {
  'tenant-read': benchTenantRead,
  'audit-drain': benchAuditDrain,
  ingest: benchIngest,
  'sign-in': benchSignIn,
  'csv-import': benchCsvImport,
  backup: benchBackup,
  dashboards: benchDashboards,
  alerts: benchAlerts,
  http: benchHttp,
  load: benchLoad,
};

const wanted = process.argv.slice(2).filter((a) => a !== '--');
const names = wanted.length ? wanted : Object.keys(BENCHES);
await mkdir(new URL('./results/', import.meta.url), { recursive: true });
for (const name of names) {
  const bench = BENCHES[name];
  if (!bench) {
    console.error(`unknown benchmark ${name}; known: ${Object.keys(BENCHES).join(', ')}`);
    process.exit(2);
  }
  const result = await bench();
  console.log(JSON.stringify(result, null, 2));
  await writeFile(
    new URL(`./results/${name}.json`, import.meta.url),
    JSON.stringify({ at: new Date().toISOString(), ...result }, null, 2),
  );
}
