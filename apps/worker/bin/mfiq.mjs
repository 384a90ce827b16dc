#!/usr/bin/env node
// The operator CLI: `mfiq <command> [options]`, e.g. `mfiq audit verify --org acme`.
// Runs the TypeScript sources directly (the workspace ships no build step between packages).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2), process.env);
