import type { OperatorContext } from './operator.ts';

type OptionSpec = { type: 'string' | 'boolean'; short?: string };

/** One operator command: its words (e.g. "org lock"), options, the audit action it records, and its work. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** The audit action every run of the command records. */
  audits: string;
  options: Record<string, OptionSpec>;
  run(ctx: OperatorContext, values: Record<string, string | boolean | undefined>): Promise<void>;
}

export const defineCommand = (c: Command) => c;

export function stringOpt(values: Record<string, string | boolean | undefined>, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}
