// Checks, in a short-lived child process, that the OS keychain really works: write, read back and
// delete a throw-away entry. A child, not this process, because the keychain library connects to
// D-Bus synchronously with no timeout: a stale or frozen session bus would block the engine's event
// loop forever, and even a worker thread stuck there keeps the process from exiting. A child can be
// killed. The probe entry holds random bytes, never a secret.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { keychainReason } from './reasons.js';

export type ProbeResult = { ok: true } | { ok: false; reason: string };

/** The library's entry class, as far as the in-process probe needs it. */
interface EntryClass {
  new (service: string, account: string, options?: { linux?: { store?: 'secret-service' | 'keyutils' } }): {
    setPassword(password: string): Promise<void>;
    getPassword(): Promise<string | null>;
    deleteCredential(): Promise<boolean>;
  };
}

// CommonJS, run with `node -e`: argv = [execPath, modulePath, service, account].
const PROBE_SOURCE = `
'use strict';
const [modulePath, service, account] = process.argv.slice(1);
const done = (r) => process.stdout.write(JSON.stringify(r));
try {
  const { Entry } = require(modulePath);
  const opts = process.platform === 'linux' ? { linux: { store: 'secret-service' } } : undefined;
  const entry = new Entry(service, account, opts);
  const value = require('node:crypto').randomBytes(16).toString('base64');
  entry.setPassword(value);
  const back = entry.getPassword();
  entry.deleteCredential();
  done(back === value ? { ok: true } : { ok: false, message: 'the keychain returned a different value' });
} catch (e) {
  done({ ok: false, message: String(e && e.message ? e.message : e).split('\\n')[0].slice(0, 300) });
}
`;

function parse(stdout: string): { ok: boolean; message?: string } | null {
  try {
    const v: unknown = JSON.parse(stdout);
    if (typeof v === 'object' && v !== null && typeof (v as { ok: unknown }).ok === 'boolean') return v as { ok: boolean; message?: string };
  } catch {
    // fall through: no usable answer
  }
  return null;
}

function timeoutReason(ms: number): string {
  return `the keychain did not answer within ${Math.round(ms / 1000)} s`;
}

function failure(message: string): ProbeResult {
  return { ok: false, reason: keychainReason(message, `keychain error: ${message.split('\n')[0]!.slice(0, 160)}`) };
}

/**
 * The same check in this process, for hosts that cannot start a node child (an Electron build with
 * the RunAsNode fuse off). Bounded only once connected: a frozen D-Bus can still block the
 * constructor, which is why the child-process probe is the default.
 */
export async function probeKeychainInProcess(opts: { AsyncEntry: EntryClass; service: string; timeoutMs: number }): Promise<ProbeResult> {
  const account = `probe-${randomBytes(8).toString('hex')}`;
  let timer: NodeJS.Timeout | undefined;
  const check = (async (): Promise<ProbeResult> => {
    const linux = process.platform === 'linux' ? { linux: { store: 'secret-service' as const } } : undefined;
    const entry = new opts.AsyncEntry(opts.service, account, linux);
    const value = randomBytes(16).toString('base64');
    await entry.setPassword(value);
    const back = await entry.getPassword();
    await entry.deleteCredential();
    return back === value ? { ok: true } : { ok: false, reason: 'the keychain returned a different value' };
  })();
  const timeout = new Promise<ProbeResult>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, reason: timeoutReason(opts.timeoutMs) }), opts.timeoutMs);
  });
  try {
    return await Promise.race([check, timeout]);
  } catch (e) {
    return failure(e instanceof Error ? e.message : String(e));
  } finally {
    clearTimeout(timer);
    check.catch(() => undefined); // a late failure after the timeout is not unhandled
  }
}

export function probeKeychain(opts: { modulePath: string; service: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<ProbeResult> {
  const env: NodeJS.ProcessEnv = { ...opts.env, ELECTRON_RUN_AS_NODE: '1' }; // Electron's binary acts as node
  delete env.NODE_OPTIONS; // no inherited --inspect or loaders in the probe
  const account = `probe-${randomBytes(8).toString('hex')}`; // concurrent probes must not collide
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: ProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const child = spawn(process.execPath, ['-e', PROBE_SOURCE, opts.modulePath, opts.service, account], {
      env,
      stdio: ['ignore', 'pipe', 'ignore'],
      windowsHide: true,
    });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (s: string) => {
      if (stdout.length < 4096) stdout += s;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish({ ok: false, reason: timeoutReason(opts.timeoutMs) });
    }, opts.timeoutMs);
    child.on('error', () => finish({ ok: false, reason: 'the keychain check could not start' }));
    child.on('close', (code, signal) => {
      const r = parse(stdout);
      if (r?.ok) finish({ ok: true });
      else if (r) finish(failure(r.message ?? 'unknown'));
      else finish({ ok: false, reason: `the keychain check failed (${signal ?? `exit code ${String(code)}`})` });
    });
  });
}
