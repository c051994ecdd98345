// The Electron shell's logic, run in plain Node (no Electron binary needed): sender checks, IPC
// handlers, the main↔engine port protocol over a real MessageChannel, the supervisor's restart
// backoff, the CSP header, and the bundled sandboxed preload evaluated the way Electron runs it.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { MessageChannel } from 'node:worker_threads';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EngineApi, EngineLifecycle, EngineStatus } from '../../src-main/ipc/contract.js';
import { CHANNELS } from '../../src-main/ipc/contract.js';
import { RENDERER_CSP, devRendererCsp } from '../../src-main/ipc/csp.js';
import { EngineClient } from '../../src-main/app/engineClient.js';
import { serveEngine } from '../../src-main/app/engineHost.js';
import { EngineSupervisor, backoffDelay, DEFAULT_BACKOFF, type EngineChild } from '../../src-main/app/engineSupervisor.js';
import { fromNodeMessagePort, isEngineInit, type EngineToMain } from '../../src-main/app/engineWire.js';
import { handleInvoke, registerIpcHandlers } from '../../src-main/app/ipcHandlers.js';
import { secureWebPreferences, withCspHeader } from '../../src-main/app/security.js';
import { createSenderCheck, createUrlPolicy, parseDevServerUrl, type SenderLike } from '../../src-main/app/senderCheck.js';
import { FakeEngine } from '../renderer/fakeEngine.js';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');

describe('sender checks', () => {
  const index = '/opt/Havre/resources/app.asar/src-renderer/dist/index.html';
  const policy = createUrlPolicy({ rendererIndexFile: index, platform: 'linux' });

  it('accept only our renderer file, with or without a hash or query', () => {
    expect(policy(`file://${index}`)).toBe(true);
    expect(policy(`file://${index}#/restore`)).toBe(true);
    expect(policy(`file://${index}?lang=fr`)).toBe(true);
    expect(policy('file:///opt/Havre/resources/app.asar/src-renderer/dist/other.html')).toBe(false);
    expect(policy('file:///tmp/evil/index.html')).toBe(false);
    expect(policy(`file://host${index}`)).toBe(false);
    expect(policy('https://example.com/')).toBe(false);
    expect(policy('http://localhost:5173/')).toBe(false); // no dev server configured
    expect(policy('not a url')).toBe(false);
    expect(policy('')).toBe(false);
  });

  it('accept the dev server origin only when configured, and only on loopback', () => {
    const dev = createUrlPolicy({ rendererIndexFile: index, devServerUrl: 'http://localhost:5173/', platform: 'linux' });
    expect(dev('http://localhost:5173/')).toBe(true);
    expect(dev('http://localhost:5174/')).toBe(false);
    expect(dev('http://127.0.0.1:5173/')).toBe(false);
    expect(parseDevServerUrl('http://localhost:5173')).toBe('http://localhost:5173/');
    expect(parseDevServerUrl('http://127.0.0.1:5173/x')).toBe('http://127.0.0.1:5173/');
    expect(parseDevServerUrl('http://evil.example:5173')).toBeUndefined();
    expect(parseDevServerUrl('file:///etc/passwd')).toBeUndefined();
    expect(parseDevServerUrl(undefined)).toBeUndefined();
  });

  it('compare Windows paths case-insensitively', () => {
    const win = createUrlPolicy({ rendererIndexFile: '/C:/Program Files/Havre/index.html', platform: 'win32' });
    expect(win('file:///c:/program%20files/havre/index.html')).toBe(true);
  });

  it('refuse subframes, destroyed frames and other windows', () => {
    const check = createSenderCheck(policy, (id) => id === 7);
    const ev = (over: Partial<SenderLike> = {}): SenderLike => ({ sender: { id: 7 }, senderFrame: { url: `file://${index}`, parent: null }, ...over });
    expect(check(ev())).toBe(true);
    expect(check(ev({ senderFrame: null }))).toBe(false);
    expect(check(ev({ senderFrame: { url: `file://${index}`, parent: {} } }))).toBe(false);
    expect(check(ev({ sender: { id: 8 } }))).toBe(false);
    expect(check(ev({ senderFrame: { url: 'https://evil.example/', parent: null } }))).toBe(false);
  });
});

describe('ipcMain handlers', () => {
  const trusted: SenderLike = { sender: { id: 1 }, senderFrame: { url: 'file:///app/index.html', parent: null } };

  it('register one handler per channel and remove them again', () => {
    const handle = vi.fn();
    const removeHandler = vi.fn();
    const dispose = registerIpcHandlers({ handle, removeHandler }, { isTrustedSender: () => true, request: async () => ({ ok: true, value: 1 }) });
    expect(handle.mock.calls.map((c) => c[0])).toEqual(['engine:status', 'snapshots:list', 'snapshot:ls', 'backup:start', 'restore:start', 'job:cancel', 'protection:pause',
      'protection:resume', 'protection:failures', 'settings:get', 'settings:set', 'browse:snapshots', 'browse:list', 'browse:versions', 'browse:search',
      'browse:preview', 'session:open', 'session:close', 'activity:list', 'stats:history', 'setup:get', 'appliance:enroll', 'appliance:password']);
    dispose();
    expect(removeHandler).toHaveBeenCalledTimes(CHANNELS.length);
  });

  it('check the sender first, then the payload, then forward', async () => {
    const request = vi.fn(async () => ({ ok: true as const, value: { jobId: 'job-1' } }));
    const deps = { isTrustedSender: (e: SenderLike) => e === trusted, request };
    const untrusted: SenderLike = { ...trusted, senderFrame: { url: 'https://evil.example/', parent: null } };

    expect(await handleInvoke('backup:start', untrusted, [], deps)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN_SENDER' } });
    expect(await handleInvoke('backup:start', trusted, [{ paths: ['/'] }], deps)).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    expect(await handleInvoke('backup:start', trusted, [undefined, 'extra'], deps)).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    expect(request).not.toHaveBeenCalled();
    expect(await handleInvoke('backup:start', trusted, [], deps)).toEqual({ ok: true, value: { jobId: 'job-1' } });
    expect(request).toHaveBeenCalledWith('backup:start', undefined);
  });

  it('never throw, and scrub engine errors', async () => {
    const deps = {
      isTrustedSender: () => true,
      request: vi.fn(async () => ({ ok: false as const, error: { code: 'X'.repeat(500), message: 'm', messageFr: 'f', stack: 'secret' } as never })),
    };
    const result = await handleInvoke('engine:status', trusted, [], deps);
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toContain('secret');
    deps.request.mockRejectedValueOnce(new Error('boom /home/x'));
    expect(await handleInvoke('engine:status', trusted, [], deps)).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
  });
});

/** An engine "process" in this Node process: serveEngine on one end of a MessageChannel. */
function inProcessChild(engine: Promise<EngineApi>, onFatal?: (post: (m: EngineToMain) => void) => void): EngineChild & { crash(code?: number): void } {
  const { port1, port2 } = new MessageChannel();
  const enginePort = fromNodeMessagePort(port2);
  serveEngine(enginePort, engine);
  onFatal?.((m) => enginePort.postMessage(m));
  const exitListeners: Array<(code: number) => void> = [];
  let exited = false;
  const crash = (code = 1) => {
    if (exited) return;
    exited = true;
    port2.close();
    for (const l of exitListeners) l(code);
  };
  return { port: fromNodeMessagePort(port1), onExit: (l) => void exitListeners.push(l), kill: () => crash(0), crash };
}

describe('main ↔ engine port protocol', () => {
  it('answers requests and forwards events over a MessageChannel', async () => {
    const engine = new FakeEngine();
    const child = inProcessChild(Promise.resolve(engine));
    const events: unknown[] = [];
    const ready = vi.fn();
    const client = new EngineClient(child.port, { onEvent: (e) => events.push(e), onReady: ready });

    const status = await client.request('engine:status', undefined);
    expect(status).toMatchObject({ ok: true, value: { state: 'idle' } });
    expect(await client.request('snapshot:ls', { snapshotId: 'zz', path: '/' })).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    await vi.waitFor(() => expect(ready).toHaveBeenCalled());

    engine.emit({ type: 'job:progress', payload: { jobId: 'job-1', kind: 'backup', phase: 'scanning', files: 3, bytes: 10, bytesPerSecond: 0 } });
    await vi.waitFor(() => expect(events).toHaveLength(1));
    expect(events[0]).toMatchObject({ type: 'job:progress', payload: { files: 3 } });
    client.dispose();
    child.kill();
  });

  it('ends pending requests when the engine goes away, and times out silent engines', async () => {
    const never: EngineApi = Object.assign(new FakeEngine(), { status: () => new Promise<EngineStatus>(() => undefined) });
    const child = inProcessChild(Promise.resolve(never));
    const client = new EngineClient(child.port, { timeoutMs: 50 });
    expect(await client.request('engine:status', undefined)).toMatchObject({ ok: false, error: { code: 'ENGINE_TIMEOUT' } });
    const pending = client.request('engine:status', undefined);
    client.dispose('ENGINE_RESTARTED');
    expect(await pending).toMatchObject({ ok: false, error: { code: 'ENGINE_RESTARTED' } });
    expect(await client.request('engine:status', undefined)).toMatchObject({ ok: false, error: { code: 'ENGINE_UNAVAILABLE' } });
    child.kill();
  });

  it('answers ENGINE_UNAVAILABLE when the engine failed to load', async () => {
    const child = inProcessChild(Promise.reject(new Error('no module')));
    const client = new EngineClient(child.port);
    expect(await client.request('engine:status', undefined)).toMatchObject({ ok: false, error: { code: 'ENGINE_UNAVAILABLE' } });
    client.dispose();
    child.kill();
  });

  it('shuts the engine down cleanly on request', async () => {
    const engine = new FakeEngine();
    const close = vi.spyOn(engine, 'close');
    const child = inProcessChild(Promise.resolve(engine));
    const client = new EngineClient(child.port);
    await client.shutdown(2_000);
    expect(close).toHaveBeenCalledOnce();
    client.dispose();
    child.kill();
  });

  it('validates the init message', () => {
    expect(isEngineInit({ kind: 'init', home: '/home/marie/.havre' })).toBe(true);
    expect(isEngineInit({ kind: 'init', home: '/h', engineModule: 'file:///tmp/fake.mjs' })).toBe(true);
    expect(isEngineInit({ kind: 'init', home: '/h', engineModule: 'https://evil.example/x.js' })).toBe(false);
    expect(isEngineInit({ kind: 'init', home: '' })).toBe(false);
  });
});

describe('engine supervisor', () => {
  it('uses a bounded exponential backoff', () => {
    expect([1, 2, 3, 4, 7, 8, 20].map((n) => backoffDelay(n, DEFAULT_BACKOFF))).toEqual([500, 1000, 2000, 4000, 30_000, 30_000, 30_000]);
  });

  it('restarts a crashed engine, ends its pending requests and tells the renderer', async () => {
    const children: Array<ReturnType<typeof inProcessChild>> = [];
    const lifecycle: EngineLifecycle[] = [];
    let hang = true;
    const supervisor = new EngineSupervisor({
      spawn: () => {
        const engine = new FakeEngine();
        if (hang) {
          hang = false;
          engine.status = () => new Promise<EngineStatus>(() => undefined);
        }
        const child = inProcessChild(Promise.resolve(engine));
        children.push(child);
        return child;
      },
      onEvent: () => undefined,
      onLifecycle: (l) => lifecycle.push(l),
      backoff: { initialMs: 10, maxMs: 40, maxRestarts: 3 },
    });
    supervisor.start();
    await vi.waitFor(() => expect(supervisor.lifecycle.state).toBe('running'));

    const pending = supervisor.request('engine:status', undefined);
    children[0]?.crash(139);
    expect(await pending).toMatchObject({ ok: false, error: { code: 'ENGINE_RESTARTED' } });
    expect(lifecycle).toContainEqual(expect.objectContaining({ state: 'restarting', restarts: 1, retryInMs: 10 }));
    await vi.waitFor(() => expect(supervisor.lifecycle).toMatchObject({ state: 'running', restarts: 1 }));
    expect(await supervisor.request('engine:status', undefined)).toMatchObject({ ok: true });
    expect(children).toHaveLength(2);

    // Keeps crashing: gives up after maxRestarts and says so.
    for (let i = 0; i < 3; i++) {
      await vi.waitFor(() => expect(supervisor.lifecycle.state).toBe('running'));
      children.at(-1)?.crash(1);
    }
    await vi.waitFor(() => expect(supervisor.lifecycle.state).toBe('failed'));
    expect(supervisor.lifecycle).toMatchObject({ restarts: 4, error: { code: 'ENGINE_FAILED' } });
    expect(children).toHaveLength(4);
    expect(await supervisor.request('engine:status', undefined)).toMatchObject({ ok: false, error: { code: 'ENGINE_FAILED' } });

    supervisor.retry();
    await vi.waitFor(() => expect(supervisor.lifecycle).toMatchObject({ state: 'running', restarts: 0 }));
    await supervisor.stop(1_000);
    expect(lifecycle.filter((l) => l.state === 'failed')).toHaveLength(1);
  });

  it('does not retry when the engine module is missing', async () => {
    let spawned = 0;
    const supervisor = new EngineSupervisor({
      spawn: () => {
        spawned++;
        const child = inProcessChild(Promise.reject(new Error('missing')), (post) =>
          post({ kind: 'fatal', error: { code: 'ENGINE_UNAVAILABLE', message: 'm', messageFr: 'f' }, permanent: true }),
        );
        setTimeout(() => child.crash(1), 20);
        return child;
      },
      onEvent: () => undefined,
      onLifecycle: () => undefined,
      backoff: { initialMs: 10 },
    });
    supervisor.start();
    await vi.waitFor(() => expect(supervisor.lifecycle.state).toBe('failed'));
    expect(spawned).toBe(1);
    await supervisor.stop();
  });

  it('does not restart an engine it stopped itself', async () => {
    const spawn = vi.fn(() => inProcessChild(Promise.resolve(new FakeEngine())));
    const supervisor = new EngineSupervisor({ spawn, onEvent: () => undefined, onLifecycle: () => undefined, backoff: { initialMs: 5 } });
    supervisor.start();
    await vi.waitFor(() => expect(supervisor.lifecycle.state).toBe('running'));
    await supervisor.stop(1_000);
    await new Promise((r) => setTimeout(r, 30));
    expect(spawn).toHaveBeenCalledOnce();
  });
});

describe('content security policy', () => {
  it('is the one the brief asks for', () => {
    expect(RENDERER_CSP).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    );
    expect(devRendererCsp('http://localhost:5173/')).toContain("connect-src 'self' ws://localhost:5173");
  });

  it('goes with isolated, sandboxed, Node-free windows', () => {
    expect(secureWebPreferences('/app/preload.cjs', false)).toMatchObject({
      preload: '/app/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      devTools: false,
    });
  });

  it('replaces any CSP header the response had', () => {
    const headers = withCspHeader({ 'content-security-policy': ["default-src *"], 'Content-Type': ['text/html'] }, RENDERER_CSP);
    expect(headers).toEqual({ 'Content-Type': ['text/html'], 'Content-Security-Policy': [RENDERER_CSP] });
  });
});

describe('sandboxed preload bundle', () => {
  let outDir: string;
  let code: string;

  beforeAll(async () => {
    outDir = await mkdtemp(path.join(os.tmpdir(), 'havre-preload-'));
    await build({ configFile: path.join(repoRoot, 'src-main', 'preload', 'vite.config.ts'), logLevel: 'warn', build: { outDir } });
    code = await readFile(path.join(outDir, 'index.cjs'), 'utf8');
  });
  afterAll(async () => {
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  it('is one script that requires only electron', () => {
    const requires = [...code.matchAll(/require\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
    expect(requires).toEqual(['electron']);
    expect(code).not.toMatch(/^\s*(import|export)\s/m);
  });

  it('exposes window.havre and nothing else, the way a sandboxed renderer runs it', async () => {
    const exposed: Record<string, unknown> = {};
    const invoke = vi.fn(async (channel: string) => ({ ok: true, value: channel }));
    const electron = {
      contextBridge: { exposeInMainWorld: (key: string, value: unknown) => void (exposed[key] = value) },
      ipcRenderer: { invoke, on: vi.fn(), removeListener: vi.fn() },
    };
    const sandboxRequire = (id: string) => {
      if (id === 'electron') return electron;
      throw new Error(`a sandboxed preload cannot require ${id}`);
    };
    // Electron wraps a sandboxed preload in a function of these parameters.
    const wrapper = vm.runInNewContext(`(function (require, process, Buffer, global, setImmediate, clearImmediate, exports, module) {\n${code}\n})`, {}) as (
      ...args: unknown[]
    ) => void;
    wrapper(sandboxRequire, {}, undefined, {}, setImmediate, clearImmediate, {}, { exports: {} });

    expect(Object.keys(exposed)).toEqual(['havre']);
    const havre = exposed.havre as { invoke: (...a: unknown[]) => Promise<unknown> };
    expect(Object.keys(havre).sort()).toEqual(['invoke', 'onActivity', 'onEngineLifecycle', 'onNavigate', 'onProgress', 'onResult', 'onStatus']);
    expect(await havre.invoke('engine:status')).toEqual({ ok: true, value: 'engine:status' });
    expect(await havre.invoke('not:a-channel')).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
    expect(invoke).toHaveBeenCalledTimes(1);
  });
});
