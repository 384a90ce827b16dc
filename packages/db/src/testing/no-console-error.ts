import { afterEach, vi } from 'vitest';

// An unexpected console.error is a bug that a passing assertion would hide: fail the test on it.
let errors: unknown[][] = [];
const spy = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
  errors.push(args);
});
afterEach(() => {
  const seen = errors;
  errors = [];
  if (seen.length) throw new Error(`console.error was called:\n${seen.map((a) => a.map(String).join(' ')).join('\n')}`);
});
export { spy as consoleErrorSpy };
