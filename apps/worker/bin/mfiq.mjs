#!/usr/bin/env node
// The operator CLI: `mfiq <command> [options]` (see docs/runbook.md). Runs the TypeScript sources
// through tsx, like the worker itself, so there is no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
