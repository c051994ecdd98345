// Havre backing up to a real appliance on this machine (appliance store: HTTPS, mutual TLS, the
// appliance's own disk), through the same CLI contract as the fs runner. The appliance is set up
// and started unmeasured; `init` measures `havre enroll`. The appliance server runs as a separate
// process: its CPU and memory are not in Havre's columns, but it shares the machine's cores.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../lib/net.js';
import { capture, setupFailure } from './exec.js';
import { havreCommand, havreRunner } from './havre.js';
import type { ToolContext, ToolRunner } from './types.js';

/** Starts `havre-appliance serve` and resolves once it says it listens. */
function serve(bin: string, data: string, env: NodeJS.ProcessEnv, cwd: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'serve', '--data', data, '--json'], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`havre-appliance serve did not start in 30 s: ${err.slice(-500)}`));
    }, 30_000);
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString('utf8');
      if (out.includes('"event":"listening"')) {
        clearTimeout(timer);
        child.stdout?.removeAllListeners('data');
        child.stdout?.resume(); // access log lines: read and dropped
        resolve(child);
      }
    });
    child.stderr?.on('data', (b: Buffer) => (err += b.toString('utf8')));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`havre-appliance serve exited (${code}): ${err.slice(-500)}`));
    });
  });
}

export function havreApplianceRunner(ctx: ToolContext): ToolRunner {
  // The machine's keys go to the OS keychain: the bench runs inside scripts/with-keyring.sh.
  const base = havreRunner(ctx, { keychain: true });
  const run = havreCommand(ctx, { keychain: true });
  const applianceBin = join(ctx.root, 'bin', 'havre-appliance.js');
  let data = '';
  let server: ChildProcess | null = null;
  const applianceEnv = (): NodeJS.ProcessEnv => ({ ...process.env, HAVRE_APPLIANCE_ADMIN_PASSWORD: ctx.password });
  const setUp = async (): Promise<{ token: string; port: number }> => {
    if (!process.env.DBUS_SESSION_BUS_ADDRESS) throw new Error('needs an OS keychain: run the bench under scripts/with-keyring.sh (npm run bench does)');
    const port = await freePort();
    const init = await capture(process.execPath, [applianceBin, 'init', '--data', data, '--name', '127.0.0.1', '--port', String(port), '--json'], applianceEnv(), ctx.root);
    if (!init.ok) throw new Error(`havre-appliance init failed: ${init.err.slice(-500)}`);
    server = await serve(applianceBin, data, applianceEnv(), ctx.root);
    const child = server;
    process.once('exit', () => child.kill('SIGKILL')); // an interrupted bench leaves no server behind
    const tok = await capture(process.execPath, [applianceBin, 'tokens', 'create', '--data', data, '--json'], applianceEnv(), ctx.root);
    if (!tok.ok) throw new Error(`havre-appliance tokens create failed: ${tok.err.slice(-500)}`);
    return { token: (JSON.parse(tok.out) as { token: string }).token, port };
  };

  return {
    ...base,
    name: 'havre-appliance',
    settings: [
      'the same CLI defaults as Havre (fs), to a reference appliance on 127.0.0.1 (`havre-appliance serve`, objects on the same disk)',
      'mutual TLS 1.3, pinned CA, keys from the OS keychain (gnome-keyring)',
      'the appliance process is not counted in CPU time or peak RSS',
    ],
    async init(dataDir) {
      data = dataDir;
      let token: string;
      let port: number;
      try {
        ({ token, port } = await setUp());
      } catch (e) {
        return setupFailure('havre-appliance init/serve/tokens create', e instanceof Error ? e.message : String(e));
      }
      return run(['enroll', '--appliance', `https://127.0.0.1:${port}`, '--token', token, '--json']);
    },
    repoDir: () => data,
    async close() {
      const s = server;
      server = null;
      if (!s || s.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        s.once('exit', () => resolve());
        s.kill('SIGTERM');
        setTimeout(() => s.kill('SIGKILL'), 10_000).unref();
      });
    },
  };
}
