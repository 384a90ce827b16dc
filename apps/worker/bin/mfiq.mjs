#!/usr/bin/env node
// The operator CLI (`mfiq <command> ...`): TypeScript sources run through tsx, as the worker does.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
