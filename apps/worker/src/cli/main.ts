import { readdir } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { createDb, type Database } from '@mfiq/db';
import { EXIT, UsageError, type CliCommand, type CliContext } from './command.ts';

const COMMANDS_DIR = new URL('./commands/', import.meta.url);

export async function loadCommands(): Promise<CliCommand[]> {
  const files = (await readdir(COMMANDS_DIR))
    .filter((f) => /^[a-z0-9-]+\.ts$/.test(f) && !f.endsWith('.test.ts'))
    .sort();
  const mods = await Promise.all(
    files.map((f) => import(new URL(f, COMMANDS_DIR).href) as Promise<{ command?: CliCommand }>),
  );
  return mods.flatMap((m) => (m.command ? [m.command] : []));
}

function usage(commands: CliCommand[]): string {
  const lines = ['Usage: mfiq <command> [options]', '', 'Commands:'];
  for (const c of commands) {
    const opts = Object.entries(c.options).map(([k, o]) =>
      o.required ? `--${k} ${o.type === 'string' ? k.toUpperCase() : ''}`.trim() : `[--${k}]`,
    );
    lines.push(`  ${[...c.name, ...opts].join(' ').padEnd(40)} ${c.summary}`);
  }
  return lines.join('\n');
}

/** Parses argv, runs the matching command, returns its exit code. Never throws. */
export async function main(
  argv: string[],
  env: NodeJS.ProcessEnv,
  io: { out?: (l: string) => void; err?: (l: string) => void } = {},
): Promise<number> {
  const out = io.out ?? ((l: string) => process.stdout.write(`${l}\n`));
  const err = io.err ?? ((l: string) => process.stderr.write(`${l}\n`));
  const commands = await loadCommands();
  const words = argv.filter((a) => !a.startsWith('-'));
  const command = commands
    .filter((c) => c.name.every((w, i) => words[i] === w))
    .sort((a, b) => b.name.length - a.name.length)[0];
  if (!command || argv.includes('--help') || argv.includes('-h')) {
    (command || argv.includes('--help') ? out : err)(usage(command ? [command] : commands));
    return command || argv.includes('--help') ? EXIT.ok : EXIT.usage;
  }
  let db: Database | null = null;
  let ownerDb: Database | null = null;
  const ctx: CliContext = {
    env,
    out,
    err,
    db() {
      if (!db) {
        const url = env.WORKER_DATABASE_URL;
        if (!url) throw new UsageError('WORKER_DATABASE_URL is required (the CLI connects as the worker role).');
        db = createDb(url, { max: 2, applicationName: `mfiq-cli ${command.name.join(' ')}` });
      }
      return db;
    },
    ownerDb() {
      if (!ownerDb) {
        const url = env.DATABASE_URL;
        if (!url)
          throw new UsageError('DATABASE_URL is required: the owner connection (operators act as the schema owner).');
        ownerDb = createDb(url, { max: 2, applicationName: `mfiq-cli ${command.name.join(' ')}` });
      }
      return ownerDb;
    },
  };
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: Object.fromEntries(
        Object.entries(command.options).map(([k, o]) => [k, { type: o.type, multiple: o.multiple ?? false }]),
      ),
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length > command.name.length)
      throw new UsageError(`unexpected argument: ${positionals[command.name.length]}`);
    for (const [k, o] of Object.entries(command.options)) {
      if (o.required && (values[k] === undefined || values[k] === ''))
        throw new UsageError(`--${k} is required: ${o.description}`);
    }
    return await command.run(values as Record<string, string | string[] | boolean | undefined>, ctx);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      err(`mfiq ${command.name.join(' ')}: ${(error as Error).message}`);
      err(usage([command]));
      return EXIT.usage;
    }
    err(`mfiq ${command.name.join(' ')}: ${(error as Error).message}`);
    return EXIT.failed;
  } finally {
    await (db as Database | null)?.destroy();
    await (ownerDb as Database | null)?.destroy();
  }
}
