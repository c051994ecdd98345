import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/havre.js', import.meta.url));
const MAIN = fileURLToPath(new URL('../../dist/src-main/cli/main.js', import.meta.url));

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  json<T = Record<string, unknown>>(): T;
}

/** Runs the real, built `havre` CLI as a child process. */
export function runHavre(args: string[], env: Record<string, string>, opts: { input?: string; user?: string } = {}): Promise<CliRun> {
  if (!existsSync(MAIN)) throw new Error('dist/ is missing: run `npm run build` first (npm test does it).');
  const [cmd, argv] = opts.user ? ['runuser', ['-u', opts.user, '--', process.execPath, BIN, ...args]] : [process.execPath, [BIN, ...args]];
  return runCommand(cmd, argv, { ...cleanEnv(), ...env }, opts.input ?? '');
}

/** A clean environment, but for what reaches the OS keychain (the test's private D-Bus session). */
function cleanEnv(): Record<string, string> {
  const base: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8' };
  for (const k of ['DBUS_SESSION_BUS_ADDRESS', 'XDG_RUNTIME_DIR', 'XDG_DATA_HOME', 'XDG_CONFIG_HOME']) {
    const v = process.env[k];
    if (v) base[k] = v;
  }
  return base;
}

/** Runs a command to completion from the project root, with exactly `env`, feeding it `input`. */
export function runCommand(cmd: string, argv: readonly string[], env: Record<string, string>, input = ''): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { env, stdio: ['pipe', 'pipe', 'pipe'], cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code: code ?? -1, stdout, stderr, json: <T>() => {
        try {
          return JSON.parse(stdout) as T;
        } catch {
          throw new Error(`stdout is not one JSON document:\n${stdout}\nstderr:\n${stderr}`);
        }
      } }),
    );
    child.stdin.end(input);
  });
}

// ---- a CLI child the test can kill ------------------------------------------------------------

export interface Child {
  readonly child: ChildProcess;
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  /** What it has written so far (a long-running command: `havre daemon`). */
  stdout(): string;
  stderr(): string;
}

/** `havre ARGS` as a child process (same clean environment as runHavre). */
export function spawnHavre(args: string[], env: Record<string, string>): Child {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...cleanEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done, stdout: () => stdout, stderr: () => stderr };
}

