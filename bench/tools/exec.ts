// Runs a command to completion without measuring it (versions, probes).
import { spawn } from 'node:child_process';

export function capture(cmd: string, args: string[], env?: NodeJS.ProcessEnv, cwd?: string): Promise<{ ok: boolean; out: string; err: string }> {
  return new Promise((resolve) => {
    let out = '';
    let err = '';
    let child;
    try {
      child = spawn(cmd, args, { env: env ?? process.env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      resolve({ ok: false, out: '', err: (e as Error).message });
      return;
    }
    child.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (err += b.toString('utf8')));
    child.on('error', (e) => resolve({ ok: false, out, err: err || e.message }));
    child.on('close', (code) => resolve({ ok: code === 0, out, err }));
  });
}
