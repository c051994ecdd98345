// The real OS keychain. On Linux run it inside a private D-Bus session with an unlocked gnome-keyring:
//   bash scripts/with-keyring.sh npx vitest run test/integration/keychain
// Without a D-Bus session the real-keychain tests FAIL on purpose; HAVRE_SKIP_KEYCHAIN_TESTS=1
// skips them explicitly (the no-keychain tests still run).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AsyncEntry } from '@napi-rs/keyring';
import { openOsKeychain, type Keychain } from '../../../src-main/engine/keychain/index.js';
import { HavreError } from '../../../src-main/engine/errors/index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixtures/openKeychain.ts', import.meta.url));
const LINUX = process.platform === 'linux';
const SKIP_REAL = process.env.HAVRE_SKIP_KEYCHAIN_TESTS === '1';
const ENTRY_OPTIONS = LINUX ? { linux: { store: 'secret-service' as const } } : undefined;
const SERVICE = `havre-test-${randomBytes(6).toString('hex')}`; // never the real 'havre' service

interface FixtureResult { ok: boolean; code?: string; reason?: string; value?: string | null; ms: number; description?: string }

/** Runs the fixture in a child node process with the given environment; fails past `limitMs`. */
function runFixture(env: NodeJS.ProcessEnv, args: string[], limitMs: number): Promise<FixtureResult & { wallMs: number; exitCode: number | null }> {
  const childEnv = { ...env };
  delete childEnv.NODE_OPTIONS;
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, ...args], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the child process hung for more than ${limitMs} ms`));
    }, limitMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').at(-1) ?? '';
      try {
        resolve({ ...(JSON.parse(line) as FixtureResult), wallMs: Date.now() - t0, exitCode: code });
      } catch {
        reject(new Error(`the child process printed no result (exit ${String(code)}): ${err.slice(0, 500)}`));
      }
    });
  });
}

function envWithout(...names: string[]): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const n of names) delete env[n];
  return env;
}

describe.skipIf(SKIP_REAL)('OS keychain: real store', () => {
  let kc: Keychain;
  const accounts: string[] = [];
  const account = (): string => {
    const a = `repo-${randomBytes(8).toString('hex')}-poste`;
    accounts.push(a);
    return a;
  };

  beforeAll(async () => {
    if (LINUX && !process.env.DBUS_SESSION_BUS_ADDRESS) {
      throw new Error('No D-Bus session: run `bash scripts/with-keyring.sh npx vitest run test/integration/keychain`, or set HAVRE_SKIP_KEYCHAIN_TESTS=1 to skip the real-keychain tests.');
    }
    const t0 = Date.now();
    kc = await openOsKeychain(SERVICE);
    console.log(`openOsKeychain (${kc.description}): ${Date.now() - t0} ms`);
  });

  afterAll(async () => {
    if (kc) for (const a of accounts) await kc.deleteSecret(a);
  });

  it('stores, reads back, replaces and deletes random 32-byte values', async () => {
    const a = account();
    const b = account();
    const va = randomBytes(32);
    const vb = randomBytes(32);
    await kc.setSecret(a, va);
    await kc.setSecret(b, vb);
    expect((await kc.getSecret(a))?.equals(va)).toBe(true);
    expect((await kc.getSecret(b))?.equals(vb)).toBe(true);
    const va2 = randomBytes(32);
    await kc.setSecret(a, va2);
    expect((await kc.getSecret(a))?.equals(va2)).toBe(true);
    await kc.deleteSecret(a);
    expect(await kc.getSecret(a)).toBeNull();
    expect((await kc.getSecret(b))?.equals(vb)).toBe(true);
    await kc.deleteSecret(a); // deleting an absent entry is not an error
  });

  it('returns null for an entry that was never written', async () => {
    expect(await kc.getSecret(account())).toBeNull();
  });

  it('stores values as base64 text under the given service and account', async () => {
    const a = account();
    const v = randomBytes(32);
    await kc.setSecret(a, v);
    expect(await new AsyncEntry(SERVICE, a, ENTRY_OPTIONS).getPassword()).toBe(v.toString('base64'));
  });

  it('refuses an entry that is not base64 with INTEGRITY instead of returning garbage', async () => {
    const a = account();
    await new AsyncEntry(SERVICE, a, ENTRY_OPTIONS).setPassword('not base64 at all!');
    await expect(kc.getSecret(a)).rejects.toMatchObject({ code: 'INTEGRITY', params: { what: 'keychain entry' } });
  });

  it('opens with the in-process probe too (Electron builds without RunAsNode)', async () => {
    const inProcess = await openOsKeychain(SERVICE, { probe: 'in-process' });
    const a = account();
    const v = randomBytes(32);
    await inProcess.setSecret(a, v);
    expect((await kc.getSecret(a))?.equals(v)).toBe(true);
  });

  it('is shared with another process of the same session', async () => {
    const a = account();
    const v = randomBytes(32);
    await kc.setSecret(a, v);
    const r = await runFixture(process.env, [SERVICE, '10000', a], 60_000);
    expect(r).toMatchObject({ ok: true, value: v.toString('base64') });
  });
});

describe('OS keychain: unavailable', () => {
  it('HAVRE_KEYCHAIN=none forces NO_KEYCHAIN without touching the keychain', async () => {
    const e: unknown = await openOsKeychain(SERVICE, { env: { ...process.env, HAVRE_KEYCHAIN: 'none' } }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(HavreError);
    expect(e).toMatchObject({ code: 'NO_KEYCHAIN', params: { reason: 'disabled by HAVRE_KEYCHAIN=none' } });
  });

  it('HAVRE_KEYCHAIN=none in a process environment', async () => {
    const r = await runFixture({ ...process.env, HAVRE_KEYCHAIN: 'none' }, [SERVICE], 60_000);
    expect(r).toMatchObject({ ok: false, code: 'NO_KEYCHAIN', reason: 'disabled by HAVRE_KEYCHAIN=none', exitCode: 0 });
  });

  describe.skipIf(!LINUX)('Linux without a usable D-Bus session', () => {
    let dir: string;
    let server: Server;
    let hungSocket: string;
    const sockets = new Set<Socket>();

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'havre-kc-'));
      hungSocket = join(dir, 'bus.sock');
      // A "session bus" that accepts connections and never answers: the worst case, a frozen daemon.
      server = createServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.resume(); // read (and drop) so the peer's exit is seen as EOF
      });
      await new Promise<void>((resolve) => server.listen(hungSocket, resolve));
    });

    afterAll(async () => {
      // Every probe that connected was killed, so the kernel closed its end: nothing may be left
      // once the last close has been delivered.
      for (let i = 0; i < 50 && sockets.size > 0; i++) await new Promise((r) => setTimeout(r, 100));
      const left = sockets.size;
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
      expect(left).toBe(0);
    });

    it('no DBUS_SESSION_BUS_ADDRESS → NO_KEYCHAIN with a reason, promptly, in a process that then exits', async () => {
      const r = await runFixture(envWithout('DBUS_SESSION_BUS_ADDRESS'), [SERVICE, '10000'], 60_000);
      expect(r).toMatchObject({ ok: false, code: 'NO_KEYCHAIN', reason: 'no D-Bus session', exitCode: 0 });
      expect(r.ms).toBeLessThan(10_000);
    });

    it('no DBUS_SESSION_BUS_ADDRESS with the in-process probe → NO_KEYCHAIN too', async () => {
      const r = await runFixture({ ...envWithout('DBUS_SESSION_BUS_ADDRESS'), HAVRE_TEST_PROBE: 'in-process' }, [SERVICE, '10000'], 60_000);
      expect(r).toMatchObject({ ok: false, code: 'NO_KEYCHAIN', reason: 'no D-Bus session', exitCode: 0 });
    });

    it('a bus address pointing nowhere → NO_KEYCHAIN', async () => {
      const env = { ...process.env, DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(dir, 'nothing-here')}` };
      const r = await runFixture(env, [SERVICE, '10000'], 60_000);
      expect(r).toMatchObject({ ok: false, code: 'NO_KEYCHAIN', reason: 'the D-Bus session is not reachable', exitCode: 0 });
    });

    it('a bus that never answers → NO_KEYCHAIN after the probe timeout, and the process still exits', async () => {
      const env = { ...process.env, DBUS_SESSION_BUS_ADDRESS: `unix:path=${hungSocket}` };
      const r = await runFixture(env, [SERVICE, '2000'], 60_000);
      expect(r).toMatchObject({ ok: false, code: 'NO_KEYCHAIN', reason: 'the keychain did not answer within 2 s', exitCode: 0 });
      expect(r.ms).toBeGreaterThanOrEqual(2000);
      expect(r.ms).toBeLessThan(10_000);
    });

    it('the same checks in-process: the event loop is never blocked by the probe', async () => {
      const env = { ...process.env, DBUS_SESSION_BUS_ADDRESS: `unix:path=${hungSocket}` };
      let ticks = 0;
      const timer = setInterval(() => ticks++, 100);
      const e: unknown = await openOsKeychain(SERVICE, { env, probeTimeoutMs: 1500 }).catch((x: unknown) => x);
      clearInterval(timer);
      expect(e).toMatchObject({ code: 'NO_KEYCHAIN', params: { reason: 'the keychain did not answer within 2 s' } });
      expect(ticks).toBeGreaterThanOrEqual(8);
    });
  });
});
