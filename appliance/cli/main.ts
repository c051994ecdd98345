// The `havre-appliance` command: set-up, the server, and the administrator's tools, all on the
// data folder directly (SQLite's WAL lets them run next to the server).
import { userLang } from '../../src-main/engine/errors/index.js';
import { ApplianceError, isApplianceError } from '../errors/index.js';
import { HELP } from './help.js';

type Command = (argv: string[]) => Promise<number>;

/** Each command is loaded when run: `help` and a typo never pay for the whole appliance. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  init: async () => (await import('./commands/init.js')).initCommand,
  serve: async () => (await import('./commands/serve.js')).serveCommand,
  tokens: async () => (await import('./commands/tokens.js')).tokensCommand,
  machines: async () => (await import('./commands/machines.js')).machinesCommand,
  users: async () => (await import('./commands/unlock.js')).unlockCommand('users'),
  admin: async () => (await import('./commands/unlock.js')).unlockCommand('admin'),
  logs: async () => (await import('./commands/logs.js')).logsCommand,
  alerts: async () => (await import('./commands/alerts.js')).alertsCommand,
  deletions: async () => (await import('./commands/deletions.js')).deletionsCommand,
  ca: async () => (await import('./commands/ca.js')).caCommand,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h' || rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  const load = COMMANDS[name];
  if (!load) throw new ApplianceError('USAGE', { detail: `unknown command “${name}”` });
  return (await load())(rest);
}

function report(e: unknown, json: boolean): void {
  const err = isApplianceError(e) ? e : new ApplianceError('INTERNAL', { reason: e instanceof Error ? e.message : String(e) }, { cause: e });
  if (json) process.stdout.write(JSON.stringify({ error: err.toJSON() }, null, 2) + '\n');
  process.stderr.write(`havre-appliance: ${err.userMessage(userLang())}\n`);
  if (process.env.HAVRE_DEBUG && e instanceof Error && e.stack) process.stderr.write(e.stack + '\n');
}

const argv = process.argv.slice(2);
main(argv).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    report(e, argv.includes('--json'));
    process.exitCode = 1;
  },
);
