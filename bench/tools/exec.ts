// Runs a command to completion without measuring it (versions, probes, server set-up).
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { ProcResult } from '../lib/proc.js';

export function capture(cmd: string, args: string[], env?: NodeJS.ProcessEnv, cwd?: string, timeoutMs?: number): Promise<{ ok: boolean; out: string; err: string }> {
  return new Promise((resolve) => {
    let out = '';
    let err = '';
    let child: ChildProcessByStdio<null, Readable, Readable>;
    try {
      child = spawn(cmd, args, { env: env ?? process.env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      resolve({ ok: false, out: '', err: (e as Error).message });
      return;
    }
    const timer = timeoutMs ? setTimeout(() => child.kill('SIGKILL'), timeoutMs) : null;
    child.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
    child.on('error', (e) => resolve({ ok: false, out, err: err || e.message }));
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ ok: code === 0, out, err: signal === 'SIGKILL' && timer ? `${err}\n(killed after ${timeoutMs} ms)` : err });
    });
  });
}

/** What a runner could not set up before its measured init (a server, a bucket): reported like a
 *  failed init, with the reason, so the tool shows as "not available: <reason>". */
export function setupFailure(command: string, reason: string): ProcResult {
  return { command, exitCode: null, signal: null, error: reason, wallMs: 0, peakRssBytes: 0, rssSamples: 0,
    cpuMs: 0, machineBusyMs: 0, loadAvgAtStart: 0, stdoutTail: '', stderrTail: reason };
}
