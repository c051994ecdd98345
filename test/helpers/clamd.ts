// A private clamd for tests (Debian's clamav-daemon, never the system's service): its own config,
// socket and a signature database built here, since no signature download is possible. The
// database holds one MD5 signature, EICAR's (the antivirus test file every scanner recognises),
// made with sigtool and named `Havre-Test.EICAR`.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ping } from '../../src-main/engine/antivirus/index.js';

/** The EICAR test file (harmless by design; every scanner flags it). */
export const EICAR = Buffer.from('X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*', 'latin1');
const SIGNATURE_NAME = 'Havre-Test.EICAR';
/** What clamd reports: it marks signatures of a database it did not download as unofficial. */
export const EICAR_SIGNATURE = `${SIGNATURE_NAME}.UNOFFICIAL`;

export interface TestClamd {
  readonly socket: string;
  readonly dir: string;
  /** SIGKILL: a crash. */
  kill(): void;
  stop(): Promise<void>;
}

export function haveClamd(): boolean {
  return spawnSync('sh', ['-c', 'command -v clamd && command -v sigtool'], { stdio: 'ignore' }).status === 0;
}

export async function startClamd(opts: { streamMaxLength?: string } = {}): Promise<TestClamd> {
  const dir = mkdtempSync(join(tmpdir(), 'havre-clamd-'));
  mkdirSync(join(dir, 'db'));
  const eicar = join(dir, 'eicar.com');
  writeFileSync(eicar, EICAR);
  const md5 = spawnSync('sigtool', ['--md5', eicar], { encoding: 'utf8' });
  if (md5.status !== 0) throw new Error(`sigtool failed: ${md5.stderr}`);
  writeFileSync(join(dir, 'db', 'test.hdb'), `${md5.stdout.trim().split(':').slice(0, 2).join(':')}:${SIGNATURE_NAME}\n`);
  rmSync(eicar);
  const socket = join(dir, 'clamd.sock');
  writeFileSync(join(dir, 'clamd.conf'), [`LocalSocket ${socket}`, 'Foreground yes', `DatabaseDirectory ${join(dir, 'db')}`,
    `PidFile ${join(dir, 'clamd.pid')}`, `LogFile ${join(dir, 'clamd.log')}`, `StreamMaxLength ${opts.streamMaxLength ?? '64M'}`, 'SelfCheck 0', ''].join('\n'));
  const child: ChildProcess = spawn('clamd', ['-c', join(dir, 'clamd.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  let exited = false;
  child.on('exit', () => (exited = true));
  for (;;) {
    if (exited) throw new Error(`clamd exited at start: ${stderr}`);
    if (existsSync(socket) && (await ping({ socket, timeoutMs: 2000 }))) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const waitExit = (): Promise<void> => (exited ? Promise.resolve() : new Promise((r) => child.once('exit', () => r())));
  return {
    socket,
    dir,
    kill: () => {
      child.kill('SIGKILL');
    },
    stop: async () => {
      if (!exited) child.kill('SIGTERM');
      await waitExit();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
