// Runs the real `havre-appliance` command as a child process: the built one (bin/ → dist/), or,
// when dist/ is missing or older than the sources (a build in progress elsewhere), the sources
// through tsx.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand, type CliRun } from '../../helpers/cli.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(ROOT, 'bin/havre-appliance.js');
const BUILT = join(ROOT, 'dist/appliance/cli/main.js');
const SOURCE = join(ROOT, 'appliance/cli/main.ts');
const TSX = join(ROOT, 'node_modules/.bin/tsx');

function newestSource(dir: string): number {
  let newest = 0;
  for (const d of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (d.isFile() && d.name.endsWith('.ts')) newest = Math.max(newest, statSync(join(d.parentPath, d.name)).mtimeMs);
  }
  return newest;
}

export const cliMode: 'built' | 'source' = existsSync(BUILT) && statSync(BUILT).mtimeMs >= newestSource(join(ROOT, 'appliance')) ? 'built' : 'source';


function command(args: string[]): [string, string[]] {
  return cliMode === 'built' ? [process.execPath, [BIN, ...args]] : [TSX, [SOURCE, ...args]];
}

const BASE_ENV = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8' };

/** Starts a long-running command (serve); the caller reads its output and stops it. */
export function spawnAppliance(args: string[], env: Record<string, string> = {}): ChildProcessWithoutNullStreams {
  const [cmd, argv] = command(args);
  return spawn(cmd, argv, { env: { ...BASE_ENV, ...env }, stdio: ['pipe', 'pipe', 'pipe'], cwd: ROOT });
}

export function runAppliance(args: string[], env: Record<string, string> = {}, input = ''): Promise<CliRun> {
  const [cmd, argv] = command(args);
  return runCommand(cmd, argv, { ...BASE_ENV, ...env }, input);
}
