import os from 'node:os';
import { parseArgs } from 'node:util';
import { createDb } from '@mfiq/db';
import { COMMANDS } from './commands/index.ts';
import { createOperatorContext, UsageError } from './operator.ts';

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'mfiq: operator commands for Metric Flow IQ (see docs/runbook.md)',
    '',
    'Usage: mfiq <command> [options]    (DATABASE_URL: the owner connection)',
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Every command is recorded in the audit trail as operator:<your OS user> (or MFIQ_OPERATOR).',
  ].join('\n');
}

/** Runs one command; returns the exit code (0 ok, 1 failure, 2 usage). */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env, out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<number> {
  const err = (l: string) => process.stderr.write(`${l}\n`);
  const command = COMMANDS.find((c) => {
    const words = c.name.split(' ');
    return words.every((w, i) => argv[i] === w);
  });
  if (!command) {
    if (argv.length && !['help', '--help', '-h'].includes(argv[0]!)) err(`Unknown command: ${argv.slice(0, 2).join(' ')}\n`);
    (argv.length && !['help', '--help', '-h'].includes(argv[0]!) ? err : out)(help());
    return argv.length && !['help', '--help', '-h'].includes(argv[0]!) ? 2 : 0;
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: argv.slice(command.name.split(' ').length), options: { ...command.options, help: { type: 'boolean' } }, strict: true, allowPositionals: false }).values;
  } catch (error) {
    err(`${(error as Error).message}\nUsage: ${command.usage}`);
    return 2;
  }
  if (values.help) {
    out(`${command.summary}\nUsage: ${command.usage}`);
    return 0;
  }
  const url = env.DATABASE_URL;
  if (!url) {
    err('DATABASE_URL is required: the owner connection (operators act as the schema owner).');
    return 2;
  }
  const operator = (env.MFIQ_OPERATOR ?? os.userInfo().username).replace(/[^A-Za-z0-9_.@-]/g, '').slice(0, 64) || 'unknown';
  const db = createDb(url, { max: 2, applicationName: 'mfiq-cli' });
  try {
    await command.run(createOperatorContext(db, operator, out), values);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      err(`${error.message}\nUsage: ${command.usage}`);
      return 2;
    }
    err(`mfiq ${command.name} failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await db.destroy();
  }
}
