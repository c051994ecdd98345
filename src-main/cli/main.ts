import { HavreError, isHavreError, userLang } from '../engine/errors/index.js';
import { backupCommand } from './commands/backup.js';
import { daemonCommand } from './commands/daemon.js';
import { pauseCommand, resumeCommand } from './commands/pause.js';
import { policyCommand } from './commands/policy.js';
import { settingsCommand } from './commands/settings.js';
import { enrollCommand } from './commands/enroll.js';
import { forgetCommand, pruneCommand } from './commands/forget.js';
import { initCommand } from './commands/init.js';
import { lsCommand } from './commands/ls.js';
import { machinesCommand } from './commands/machines.js';
import { repairCommand } from './commands/repair.js';
import { restoreCommand } from './commands/restore.js';
import { snapshotsCommand } from './commands/snapshots.js';
import { statusCommand } from './commands/status.js';
import { targetCommand } from './commands/target.js';
import { verifyCommand } from './commands/verify.js';
import { logCommand } from './commands/log.js';
import { passwordCommand } from './commands/password.js';
import { HELP } from './help.js';

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  init: initCommand,
  enroll: enrollCommand,
  password: passwordCommand,
  machines: machinesCommand,
  backup: backupCommand,
  snapshots: snapshotsCommand,
  ls: lsCommand,
  restore: restoreCommand,
  verify: verifyCommand,
  log: logCommand,
  forget: forgetCommand,
  prune: pruneCommand,
  repair: repairCommand,
  status: statusCommand,
  target: targetCommand,
  daemon: daemonCommand,
  pause: pauseCommand,
  resume: resumeCommand,
  settings: settingsCommand,
  policy: policyCommand,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h' || rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) throw new HavreError('USAGE', { detail: `unknown command “${name}”` });
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
