// The shared IPC contract: request guards, the dispatcher's error scrubbing, and the preload's API
// object (built with a fake ipcRenderer, so no Electron is needed).

import { describe, expect, it, vi } from 'vitest';
import {
  CHANNELS,
  REQUEST_VALIDATORS,
  RENDERER_EVENTS,
  isAbsoluteLocalPath,
  isIpcResult,
  isRestoreRequest,
  isSnapshotLsRequest,
  isValidRequest,
  settingsPatchProblem,
  type Channel,
} from '../../src-main/ipc/contract.js';
import { dispatchRequest, toIpcError } from '../../src-main/ipc/dispatch.js';
import { createHavreApi, type IpcRendererLike } from '../../src-main/preload/api.js';
import { FakeEngine } from './fakeEngine.js';

const SNAP = 'abcdef0123456789';

describe('request validators', () => {
  it('cover every channel', () => {
    expect(Object.keys(REQUEST_VALIDATORS).sort()).toEqual([...CHANNELS].sort());
  });

  it('accept only undefined for channels without payload', () => {
    for (const channel of ['engine:status', 'snapshots:list', 'backup:start'] as const) {
      expect(isValidRequest(channel, undefined)).toBe(true);
      for (const bad of [null, {}, [], 0, '', 'x']) expect(isValidRequest(channel, bad)).toBe(false);
    }
  });

  it('snapshot:ls wants a hex id and a path, nothing more', () => {
    expect(isSnapshotLsRequest({ snapshotId: SNAP, path: '/' })).toBe(true);
    expect(isSnapshotLsRequest({ snapshotId: SNAP.toUpperCase(), path: '/' })).toBe(false);
    expect(isSnapshotLsRequest({ snapshotId: 'abc', path: '/' })).toBe(false);
    expect(isSnapshotLsRequest({ snapshotId: SNAP, path: '' })).toBe(false);
    expect(isSnapshotLsRequest({ snapshotId: SNAP, path: 'a\0b' })).toBe(false);
    expect(isSnapshotLsRequest({ snapshotId: SNAP, path: '/', more: 1 })).toBe(false);
    expect(isSnapshotLsRequest({ snapshotId: SNAP })).toBe(false);
    expect(isSnapshotLsRequest(Object.assign(Object.create({ polluted: true }) as object, { snapshotId: SNAP, path: '/' }))).toBe(false);
    expect(isSnapshotLsRequest([SNAP, '/'])).toBe(false);
  });

  it('restore:start wants an absolute target, a known conflict policy and non-empty paths', () => {
    const base = { snapshotId: SNAP, target: '/home/marie/Restored', conflict: 'keep-both' };
    expect(isRestoreRequest(base)).toBe(true);
    expect(isRestoreRequest({ ...base, paths: ['/home/marie/Documents'] })).toBe(true);
    expect(isRestoreRequest({ ...base, target: 'C:\\Users\\marie\\Restored' })).toBe(true);
    expect(isRestoreRequest({ ...base, target: '\\\\nas\\share\\restore' })).toBe(true);
    expect(isRestoreRequest({ ...base, target: 'Restored' })).toBe(false);
    expect(isRestoreRequest({ ...base, target: '../x' })).toBe(false);
    expect(isRestoreRequest({ ...base, conflict: 'replace' })).toBe(false);
    expect(isRestoreRequest({ ...base, paths: [] })).toBe(false);
    expect(isRestoreRequest({ ...base, paths: ['/ok', 3] })).toBe(false);
    expect(isRestoreRequest({ ...base, paths: '/not-an-array' })).toBe(false);
    expect(isRestoreRequest({ ...base, paths: Array.from({ length: 10_001 }, () => '/x') })).toBe(false);
    expect(isRestoreRequest({ ...base, target: `/${'a'.repeat(40_000)}` })).toBe(false);
  });

  it('job:cancel wants a plain job id', () => {
    expect(isValidRequest('job:cancel', { jobId: 'job-1_a' })).toBe(true);
    expect(isValidRequest('job:cancel', { jobId: '../x' })).toBe(false);
    expect(isValidRequest('job:cancel', { jobId: 'x'.repeat(65) })).toBe(false);
  });

  it('protection:pause takes minutes (1 to a week), tomorrow, or until resumed', () => {
    for (const ok of [{ minutes: 1 }, { minutes: 60 }, { minutes: 7 * 24 * 60 }, { until: 'tomorrow' }, { until: 'resumed' }]) {
      expect(isValidRequest('protection:pause', ok), JSON.stringify(ok)).toBe(true);
    }
    for (const bad of [{}, { minutes: 0 }, { minutes: -5 }, { minutes: 1.5 }, { minutes: 7 * 24 * 60 + 1 }, { minutes: '30' }, { until: 'never' },
      { minutes: 30, until: 'tomorrow' }, null, 'tomorrow']) {
      expect(isValidRequest('protection:pause', bad), JSON.stringify(bad)).toBe(false);
    }
  });

  it('settings:set checks the shape of every field it is given, and nothing else rides along', () => {
    const good = [{}, { folders: ['/home/marie/Documents', 'C:\\Users\\marie'] }, { exclusions: ['*.iso', '~/Downloads/**'] }, { maxFileSizeMiB: null },
      { window: { days: [1, 2, 3, 4, 5], start: '19:00', end: '07:30' } }, { window: null }, { cpuPriority: 'low' },
      { bandwidthRules: [{ days: [], start: '09:00', end: '18:00', uploadKiBps: 512 }] }, { uploadKiBps: null }, { scanIntervalMinutes: 5 }];
    for (const g of good) expect(settingsPatchProblem(g), JSON.stringify(g)).toBeNull();
    const bad: [unknown, RegExp][] = [
      [{ folders: ['Documents'] }, /^folders:/], [{ folders: '/home' }, /^folders:/], [{ exclusions: [''] }, /^exclusions:/],
      [{ continuous: 'yes' }, /^continuous:/], [{ maxFileSizeMiB: 0 }, /^maxFileSizeMiB:/], [{ scanIntervalMinutes: 1 }, /^scanIntervalMinutes:/],
      [{ minBatteryPercent: 101 }, /^minBatteryPercent:/], [{ cpuPriority: 'realtime' }, /^cpuPriority:/],
      [{ window: { days: [7], start: '19:00', end: '07:00' } }, /^window:/], [{ window: { days: [], start: '24:00', end: '07:00' } }, /^window:/],
      [{ window: { days: [], start: '19:00', end: '07:00', extra: 1 } }, /^window:/],
      [{ bandwidthRules: [{ days: [], start: '09:00', end: '18:00', uploadKiBps: -1 }] }, /^bandwidthRules:/],
      [{ password: 'x' }, /^password: not a setting/], [[], /^settings:/], [null, /^settings:/],
    ];
    for (const [b, why] of bad) expect(settingsPatchProblem(b), JSON.stringify(b)).toMatch(why);
  });

  it('restore browser requests: bounded pages, a session id or this machine, nothing more', () => {
    const list = { snapshotId: SNAP, path: '/', offset: 0, limit: 200 };
    expect(isValidRequest('browse:list', list)).toBe(true);
    expect(isValidRequest('browse:list', { ...list, source: { kind: 'local' } })).toBe(true);
    expect(isValidRequest('browse:list', { ...list, source: { kind: 'session', sessionId: 'AbC_-123456' } })).toBe(true);
    for (const bad of [{ ...list, limit: 0 }, { ...list, limit: 2001 }, { ...list, offset: -1 }, { ...list, offset: 1.5 }, { ...list, path: '' },
      { ...list, source: { kind: 'session' } }, { ...list, source: { kind: 'session', sessionId: '../../etc' } }, { ...list, source: { kind: 'local', x: 1 } },
      { ...list, source: 'local' }, { ...list, extra: true }]) {
      expect(isValidRequest('browse:list', bad), JSON.stringify(bad)).toBe(false);
    }
    expect(isValidRequest('browse:search', { query: '  ', limit: 10 })).toBe(false);
    expect(isValidRequest('browse:search', { query: 'x'.repeat(257), limit: 10 })).toBe(false);
    expect(isValidRequest('browse:search', { query: 'rapport', limit: 1001 })).toBe(false);
    expect(isValidRequest('browse:versions', { path: 'a\0b' })).toBe(false);
    expect(isValidRequest('restore:start', { snapshotId: SNAP, target: '/home/m', conflict: 'skip', source: { kind: 'session', sessionId: 'abcdefgh' } })).toBe(true);
    expect(isValidRequest('restore:start', { snapshotId: SNAP, target: '/home/m', conflict: 'skip', source: { kind: 'remote' } })).toBe(false);
  });

  it('session:open: a role, a password, maybe a user, a machine and an https appliance with a CA fingerprint', () => {
    const fp = 'ab'.repeat(32);
    expect(isValidRequest('session:open', { role: 'user', password: 'secret' })).toBe(true);
    expect(isValidRequest('session:open', { role: 'admin', password: 'secret', user: 'marie', machine: 'PC-042',
      appliance: { url: 'https://backup.corp.example:8443', caFingerprint: fp } })).toBe(true);
    for (const bad of [{ role: 'root', password: 'x' }, { role: 'user', password: '' }, { role: 'user' }, { role: 'user', password: 'x'.repeat(1025) },
      { role: 'user', password: 'x', appliance: { url: 'http://backup', caFingerprint: fp } }, { role: 'user', password: 'x', appliance: { url: 'https://b' } },
      { role: 'user', password: 'x', appliance: { url: 'https://b', caFingerprint: 'zz' } }, { role: 'user', password: 'x', remember: true }]) {
      expect(isValidRequest('session:open', bad), JSON.stringify(bad)).toBe(false);
    }
    expect(isValidRequest('appliance:enroll', { url: 'https://b', token: 'HVT1.x', password: 'p', user: 'marie' })).toBe(true);
    expect(isValidRequest('appliance:enroll', { url: 'file:///etc', token: 'HVT1.x', password: 'p' })).toBe(false);
    expect(isValidRequest('appliance:password', { password: 'new' })).toBe(true);
    for (const bad of [{}, { password: '' }, { password: 'x'.repeat(1025) }, { password: 'n', currentPassword: 42 }, { password: 'n', machine: 'x' }]) {
      expect(isValidRequest('appliance:password', bad), JSON.stringify(bad)).toBe(false);
    }
    expect(isValidRequest('activity:list', { offset: 0, limit: 50, kinds: ['backup', 'restore'], outcomes: ['failed'], search: 'Documents' })).toBe(true);
    expect(isValidRequest('activity:list', { offset: 0, limit: 50, kinds: ['shell'] })).toBe(false);
    expect(isValidRequest('activity:list', { offset: 0, limit: 5000 })).toBe(false);
  });

  it('recognise absolute paths on every platform', () => {
    expect(['/', '/a', 'C:\\', 'd:/x', '\\\\srv\\s'].every(isAbsoluteLocalPath)).toBe(true);
    expect(['', 'a', './a', 'C:', 'C:x', '\\\\'].some(isAbsoluteLocalPath)).toBe(false);
  });
});

describe('dispatchRequest', () => {
  it('routes each channel to its EngineApi method', async () => {
    const engine = new FakeEngine();
    const payloads: Record<Channel, unknown> = {
      'engine:status': undefined,
      'snapshots:list': undefined,
      'snapshot:ls': { snapshotId: SNAP, path: '/' },
      'backup:start': undefined,
      'restore:start': { snapshotId: SNAP, target: '/tmp/r', conflict: 'skip' },
      'job:cancel': { jobId: 'job-9' },
      'protection:pause': { minutes: 30 },
      'protection:resume': undefined,
      'protection:failures': undefined,
      'settings:get': undefined,
      'settings:set': { continuous: false },
      'browse:snapshots': {},
      'browse:list': { snapshotId: SNAP, path: '/', offset: 0, limit: 100 },
      'browse:versions': { path: '/home/marie/a.txt' },
      'browse:search': { query: 'rapport', limit: 50 },
      'browse:preview': { snapshotId: SNAP, path: '/home/marie/a.txt' },
      'session:open': { role: 'user', password: 'x' },
      'session:close': { sessionId: 'abcdefgh12' },
      'activity:list': { offset: 0, limit: 10 },
      'stats:history': undefined,
      'setup:get': undefined,
      'appliance:enroll': { url: 'https://backup.example:8443', token: 'HVT1.x', password: 'p' },
      'appliance:password': { password: 'new', currentPassword: 'old' },
    };
    for (const channel of CHANNELS) {
      const result = await dispatchRequest(engine, channel, payloads[channel]);
      expect(result.ok, channel).toBe(true);
    }
    expect(engine.calls).toEqual(['status', 'listSnapshots', 'listTree', 'startBackup', 'startRestore', 'cancelJob', 'pause', 'resume', 'listFailures',
      'getSettings', 'setSettings', 'browseSnapshots', 'browseList', 'listTree', 'fileVersions', 'search', 'preview', 'openSession', 'closeSession', 'listActivity',
      'backupHistory', 'getSetup', 'enroll', 'getSetup', 'setRestorePassword', 'getSetup']);
  });

  it('refuses unknown channels and bad payloads before the engine sees them', async () => {
    const engine = new FakeEngine();
    expect(await dispatchRequest(engine, 'shell:exec', 'rm -rf /')).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
    expect(await dispatchRequest(engine, '__proto__', undefined)).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
    expect(await dispatchRequest(engine, 'snapshot:ls', { snapshotId: 1 })).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    expect(engine.calls).toEqual([]);
  });

  it('keeps IpcError-shaped and mapped errors, hides everything else', async () => {
    const engine = new FakeEngine();
    const internal = vi.fn();
    engine.throwNext = new Error('open /home/marie/.config/havre/key: password=s3cret');
    const hidden = await dispatchRequest(engine, 'engine:status', undefined, { onInternalError: internal });
    expect(hidden).toEqual({ ok: false, error: { code: 'INTERNAL', message: expect.any(String), messageFr: expect.any(String) } });
    expect(JSON.stringify(hidden)).not.toContain('s3cret');
    expect(internal).toHaveBeenCalledOnce();

    engine.throwNext = { code: 'LOCKED', message: 'Locked.', messageFr: 'Verrouillé.', stack: 'at secret (/x.js:1)' };
    expect(await dispatchRequest(engine, 'engine:status', undefined)).toEqual({
      ok: false,
      error: { code: 'LOCKED', message: 'Locked.', messageFr: 'Verrouillé.' },
    });

    class EngineErr extends Error {
      code = 'STORE_FULL';
    }
    const mapped = toIpcError(new EngineErr('x'), (e) => (e instanceof EngineErr ? { code: e.code, message: 'Full.', messageFr: 'Plein.' } : undefined));
    expect(mapped).toEqual({ code: 'STORE_FULL', message: 'Full.', messageFr: 'Plein.' });
  });
});

describe('preload API (createHavreApi)', () => {
  function fakeIpc() {
    const handlers = new Map<string, Set<(event: unknown, ...args: unknown[]) => void>>();
    const ipc = {
      invoke: vi.fn(async (channel: string, ..._args: unknown[]): Promise<unknown> => ({ ok: true, value: channel })),
      on: vi.fn((channel: string, listener: (event: unknown, ...args: unknown[]) => void) => {
        if (!handlers.has(channel)) handlers.set(channel, new Set());
        handlers.get(channel)?.add(listener);
      }),
      removeListener: vi.fn((channel: string, listener: (event: unknown, ...args: unknown[]) => void) => {
        handlers.get(channel)?.delete(listener);
      }),
    } satisfies IpcRendererLike;
    const fire = (channel: string, payload: unknown) => {
      for (const h of handlers.get(channel) ?? []) h({ sender: 'the raw IpcRendererEvent' }, payload);
    };
    return { ipc, fire, handlers };
  }

  it('exposes invoke and one subscription per event, frozen', () => {
    const api = createHavreApi(fakeIpc().ipc);
    expect(Object.keys(api).sort()).toEqual(['invoke', 'onActivity', 'onEngineLifecycle', 'onNavigate', 'onProgress', 'onResult', 'onStatus']);
    expect(Object.isFrozen(api)).toBe(true);
    expect(RENDERER_EVENTS).toHaveLength(6);
  });

  it('sends valid requests, refuses the rest locally', async () => {
    const { ipc } = fakeIpc();
    const api = createHavreApi(ipc);
    expect(await api.invoke('engine:status')).toEqual({ ok: true, value: 'engine:status' });
    expect(ipc.invoke).toHaveBeenLastCalledWith('engine:status');
    await api.invoke('snapshot:ls', { snapshotId: SNAP, path: '/' });
    expect(ipc.invoke).toHaveBeenLastCalledWith('snapshot:ls', { snapshotId: SNAP, path: '/' });

    const loose = api.invoke as unknown as (...args: unknown[]) => Promise<unknown>;
    expect(await loose('ipc:raw', 1)).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
    expect(await loose('job:cancel', { jobId: 1 })).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    expect(ipc.invoke).toHaveBeenCalledTimes(2);
  });

  it('turns a broken pipe or an odd answer into an IpcError', async () => {
    const { ipc } = fakeIpc();
    const api = createHavreApi(ipc);
    ipc.invoke.mockRejectedValueOnce(new Error('Error invoking remote method: stack...'));
    expect(await api.invoke('engine:status')).toMatchObject({ ok: false, error: { code: 'ENGINE_UNAVAILABLE' } });
    ipc.invoke.mockResolvedValueOnce('not a result');
    expect(await api.invoke('engine:status')).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
  });

  it('passes event payloads only (never the IpcRendererEvent) and unsubscribes', () => {
    const { ipc, fire, handlers } = fakeIpc();
    const api = createHavreApi(ipc);
    const seen: unknown[][] = [];
    const off = api.onProgress((...args: unknown[]) => seen.push(args));
    fire('job:progress', { jobId: 'j', files: 1 });
    expect(seen).toEqual([[{ jobId: 'j', files: 1 }]]);
    off();
    off();
    fire('job:progress', { jobId: 'j', files: 2 });
    expect(seen).toHaveLength(1);
    expect(handlers.get('job:progress')?.size).toBe(0);
  });

  it('results are well-formed envelopes', () => {
    expect(isIpcResult({ ok: true, value: 1 })).toBe(true);
    expect(isIpcResult({ ok: false, error: { code: 'X', message: 'm', messageFr: 'f' } })).toBe(true);
    expect(isIpcResult({ ok: false, error: { code: 'X', message: 'm' } })).toBe(false);
    expect(isIpcResult({ ok: true, value: 1, stack: 'x' })).toBe(false);
  });
});
