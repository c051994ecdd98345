import { HavreError, isHavreError, userLang } from '../engine/errors/index.js';
import { boundHeapGrowth } from '../engine/runtime/heapGrowth.js';
import { startEarlyUnlock } from './earlyUnlock.js';
import { HELP } from './help.js';

/**
 * Each command's module is loaded when that command runs: loading them all (the S3 SDK, got, x509,
 * the watcher) took about 0.3 s of every run, a quarter of a no-op backup of 9,000 files.
 */
const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  init: async (argv) => (await import('./commands/init.js')).initCommand(argv),
  enroll: async (argv) => (await import('./commands/enroll.js')).enrollCommand(argv),
  password: async (argv) => (await import('./commands/password.js')).passwordCommand(argv),
  machines: async (argv) => (await import('./commands/machines.js')).machinesCommand(argv),
  backup: async (argv) => (await import('./commands/backup.js')).backupCommand(argv),
  snapshots: async (argv) => (await import('./commands/snapshots.js')).snapshotsCommand(argv),
  ls: async (argv) => (await import('./commands/ls.js')).lsCommand(argv),
  restore: async (argv) => (await import('./commands/restore.js')).restoreCommand(argv),
  verify: async (argv) => (await import('./commands/verify.js')).verifyCommand(argv),
  log: async (argv) => (await import('./commands/log.js')).logCommand(argv),
  forget: async (argv) => (await import('./commands/forget.js')).forgetCommand(argv),
  prune: async (argv) => (await import('./commands/forget.js')).pruneCommand(argv),
  repair: async (argv) => (await import('./commands/repair.js')).repairCommand(argv),
  status: async (argv) => (await import('./commands/status.js')).statusCommand(argv),
  target: async (argv) => (await import('./commands/target.js')).targetCommand(argv),
  daemon: async (argv) => (await import('./commands/daemon.js')).daemonCommand(argv),
  pause: async (argv) => (await import('./commands/pause.js')).pauseCommand(argv),
  resume: async (argv) => (await import('./commands/pause.js')).resumeCommand(argv),
  settings: async (argv) => (await import('./commands/settings.js')).settingsCommand(argv),
  policy: async (argv) => (await import('./commands/policy.js')).policyCommand(argv),
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h' || rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) throw new HavreError('USAGE', { detail: `unknown command “${name}”` });
  startEarlyUnlock(name, rest);
  return command(rest);
}

function report(e: unknown, json: boolean): void {
  const err = isHavreError(e) ? e : new HavreError('INTERNAL', { reason: e instanceof Error ? e.message : String(e) }, { cause: e });
  if (json) process.stdout.write(JSON.stringify({ error: err.toJSON() }, null, 2) + '\n');
  process.stderr.write(`havre: ${err.userMessage(userLang())}\n`);
  const cause = err.cause;
  if (isHavreError(cause)) process.stderr.write(`  (${cause.userMessage(userLang())})\n`);
  if (process.env.HAVRE_DEBUG && e instanceof Error && e.stack) process.stderr.write(e.stack + '\n');
}

boundHeapGrowth();
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
