// Dispatcher for the operator CLI: `mfiq <command> [args]`. Each command lives in commands/<name>.ts
// and exports run(args): Promise<number> (the exit code).
const COMMANDS: Record<string, { summary: string; load: () => Promise<{ run: (args: string[]) => Promise<number> }> }> = {
  backup: { summary: 'list, verify and restore organization backups', load: () => import('./commands/backup.ts') },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `Usage: mfiq <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun mfiq <command> --help for its options.\n`;
}

const [commandName, ...args] = process.argv.slice(2);
const command = commandName ? COMMANDS[commandName] : undefined;
if (!command) {
  process.stderr.write(commandName && commandName !== '--help' ? `Unknown command "${commandName}".\n\n${usage()}` : usage());
  process.exit(commandName && commandName !== '--help' ? 2 : 0);
}
process.exitCode = await (await command.load()).run(args);

export {};
