/**
 * The web server for the http benchmark, in its own process as deployed (production build), plus a
 * bare handler on a second port of the same process: one indexed query on the web's own pool, no
 * middleware, no session, no tenant entry. The parent reads both addresses from the IPC channel.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from '@mfiq/db';
import { loadConfig } from '@mfiq/web/app/config.server.ts';
import { startServer } from '@mfiq/web/server.ts';

const web = await startServer(loadConfig());
const bare = http.createServer((req, res) => {
  const tenantId = new URL(req.url ?? '/', 'http://bare').searchParams.get('t') ?? '';
  sql<{ slug: string; name: string; timezone: string; weekStart: number }>`
    select slug, name, timezone, week_start from organizations where tenant_id = ${tenantId}`
    .execute(web.db)
    .then(
      ({ rows }) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(rows[0] ?? null));
      },
      () => {
        res.statusCode = 500;
        res.end();
      },
    );
});
await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
process.send?.({ url: web.url, bareUrl: `http://127.0.0.1:${(bare.address() as AddressInfo).port}` });
process.once('SIGTERM', () => {
  bare.close();
  web.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
