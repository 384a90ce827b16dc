import type { Database } from '@mfiq/db';

/**
 * One operator command. Adding a command is adding one file in ./commands that exports `command`:
 * the CLI discovers it, parses its options and lists it in the help.
 */
export interface CliCommand {
  /** Words that select it, e.g. ['audit', 'verify']. */
  name: string[];
  summary: string;
  options: Record<
    string,
    {
      type: 'string' | 'boolean';
      description: string;
      required?: boolean;
      /** May be given more than once. */ multiple?: boolean;
    }
  >;
  /** The audit action an incident-response command records on every run (operator:<name>, actor type system). */
  audits?: string;
  run(args: Record<string, string | string[] | boolean | undefined>, ctx: CliContext): Promise<number>;
}

export interface CliContext {
  env: NodeJS.ProcessEnv;
  /** The worker role's database (WORKER_DATABASE_URL), opened on first use and closed by the CLI. */
  db(): Database;
  /**
   * The owner connection (DATABASE_URL), for incident-response commands: operators act with the
   * schema owner's rights and still enter one tenant at a time (withTenant) for tenant rows.
   */
  ownerDb(): Database;
  out(line: string): void;
  err(line: string): void;
}

/** Exit codes: 0 success, 1 the check failed (e.g. a broken chain), 2 usage or configuration error. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export class UsageError extends Error {
  override name = 'UsageError';
}
