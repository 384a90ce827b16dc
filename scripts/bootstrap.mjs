#!/usr/bin/env node
// `npm start` and `npm test` on a machine with only Node.js 20 and npm: installs the workspace with the
// pinned pnpm when needed, then runs the product or the whole test suite. Plain Node, no dependencies.
//
//   node scripts/bootstrap.mjs start   # the product (scripts/run.ts)
//   node scripts/bootstrap.mjs test    # typecheck, lint, then every vitest project (output ends with vitest's summary)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PNPM = 'pnpm@12.4.2';
const CHROMIUM = '/usr/bin/chromium';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NPX = process.platform === 'win32' ? 'npx.cmd' : 'npx';

const say = (line) => process.stdout.write(`[bootstrap] ${line}\n`);

/** Runs a command to completion with inherited output; the child gets the terminal's signals itself. */
function runSync(command, args, opts = {}) {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', ...opts });
  if (result.error) {
    say(`could not run ${command}: ${result.error.message}`);
    return 1;
  }
  return result.status ?? 1;
}

const pnpmSync = (args) => runSync(NPX, ['-y', PNPM, ...args]);

/**
 * Runs a long-lived command and exits with its code. Ctrl-C reaches the child through the terminal's
 * process group; a signal sent to this process alone is passed on. Either way we wait for the child
 * to finish its own shutdown instead of returning the prompt under it.
 */
function runForeground(command, args) {
  const child = spawn(command, args, { cwd: ROOT, stdio: 'inherit' });
  let stopRequested = false;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      stopRequested = true;
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    });
  }
  child.on('error', (error) => {
    say(`could not run ${command}: ${error.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    if (code !== null) process.exit(code);
    // Killed by a signal: a requested stop is not a failure; anything else (OOM killer, ...) is.
    process.exit(stopRequested ? 0 : 128 + (os.constants.signals[signal] ?? 0));
  });
}

function mtime(file) {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function ensureInstalled() {
  const marker = path.join(ROOT, 'node_modules', '.modules.yaml');
  const lockfile = path.join(ROOT, 'pnpm-lock.yaml');
  if (existsSync(marker) && mtime(lockfile) <= mtime(marker)) return;
  say(existsSync(marker) ? 'the lockfile changed: installing dependencies' : 'installing dependencies (first run)');
  const code = pnpmSync(['install', '--frozen-lockfile']);
  if (code !== 0) {
    say(`dependency install failed (exit ${code})`);
    process.exit(code);
  }
}

/** Browser tests drive Debian's Chromium; install it when we can, else say how and let those tests fail. */
function ensureChromium() {
  if (existsSync(CHROMIUM)) return;
  const isRoot = process.getuid?.() === 0;
  const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
  if (isRoot && hasApt) {
    say(`${CHROMIUM} is missing: installing Debian's chromium`);
    const code = runSync('sh', ['-c', 'apt-get update && apt-get install -y chromium'], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (code === 0 && existsSync(CHROMIUM)) return;
    say(`installing chromium failed (exit ${code}); the browser tests will fail`);
    return;
  }
  say(`${CHROMIUM} is missing, so the browser tests will fail. Install it with:`);
  say('    sudo apt-get update && sudo apt-get install -y chromium');
}

const command = process.argv[2];
if (command !== 'start' && command !== 'test') {
  process.stderr.write('usage: node scripts/bootstrap.mjs start|test\n');
  process.exit(2);
}

ensureInstalled();

if (command === 'start') {
  runForeground(NPX, ['-y', PNPM, 'exec', 'tsx', 'scripts/run.ts']);
} else {
  ensureChromium();
  say('typecheck');
  // pnpm 12 has no -s; turbo prints only the logs of failing tasks instead.
  const typecheck = pnpmSync(['exec', 'turbo', 'run', 'typecheck', '--output-logs=errors-only']);
  const scripts = pnpmSync(['exec', 'tsc', '-p', 'scripts/tsconfig.json']);
  const typecheckFailed = typecheck !== 0 || scripts !== 0;
  if (typecheckFailed) say('typecheck FAILED (see above); running the rest anyway, the exit code will be non-zero');
  // Lint, format and dead code: a finding fails the run like a failing test (docs/decisions/0080).
  say('lint: eslint, prettier --check, knip');
  const lint = pnpmSync(['run', 'lint']);
  if (lint !== 0)
    say(
      'lint FAILED (see above; `pnpm format` fixes formatting); running the tests anyway, the exit code will be non-zero',
    );
  // Last, so that the output ends with vitest's summary line. The JSON report of this run is kept in
  // .data/ci/test-report.json: the security evidence pack quotes each claim's test result from it.
  const tests = pnpmSync(['exec', 'vitest', 'run', '--reporter=default', '--reporter=./scripts/ci-test-report.ts']);
  process.exit(tests !== 0 ? tests : typecheckFailed || lint !== 0 ? 1 : 0);
}
