// One watcher under measurement, in a process of its own so that its RSS and CPU time read from
// /proc are the library's (plus a bare Node runtime, measured apart as library `none`).
//
//   node dist/bench/watch/child.js parcel|chokidar|none ROOT
//
// It records the first time each path is reported and answers the driver's questions; it does as
// little as possible per event, so the figures are the library's cost, not the harness's.
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import type ParcelWatcher from '@parcel/watcher';
import type * as Chokidar from 'chokidar';
import type * as HavreWatch from '../../src-main/engine/watch/index.js';
import { LIBRARIES, nowMs, type Command, type Library, type Notice } from './protocol.js';

interface Running {
  close(): Promise<void>;
}

const lib = process.argv[2] as Library;
const root = process.argv[3] ?? '';
if (!LIBRARIES.includes(lib) || !root) {
  process.stderr.write('usage: child.js parcel|chokidar|none ROOT\n');
  process.exit(2);
}

function send(n: Notice): void {
  process.stdout.write(JSON.stringify(n) + '\n');
}

const seen = new Map<string, number>();
let events = 0;
let lastEventAt = 0;
let ready = false;
let readyAt = Infinity;
let eventsBeforeReady = 0;
const waiters = new Map<string, (at: number) => void>();

function saw(path: string): void {
  const at = nowMs();
  events++;
  lastEventAt = at;
  if (!ready) eventsBeforeReady++;
  if (!seen.has(path)) {
    seen.set(path, at);
    const w = waiters.get(path);
    if (w) {
      waiters.delete(path);
      w(at);
    }
  }
}

function errorNotice(e: unknown): Notice {
  const err = e instanceof Error ? e : new Error(String(e));
  const code = (err as NodeJS.ErrnoException).code;
  return { type: 'error', message: err.message, ...(code ? { code } : {}), at: nowMs() };
}

const t0 = nowMs();
type ParcelModule = typeof ParcelWatcher;
type ChokidarModule = typeof Chokidar;
type HavreModule = typeof HavreWatch;
const mod: ParcelModule | ChokidarModule | HavreModule | null =
  lib === 'parcel' ? ((await import('@parcel/watcher')) as unknown as { default: ParcelModule }).default : lib === 'chokidar' ? await import('chokidar') : lib === 'havre' ? await import('../../src-main/engine/watch/index.js') : null;
send({ type: 'loaded', loadMs: nowMs() - t0, pid: process.pid });

async function start(): Promise<Running> {
  if (lib === 'parcel') {
    const parcel = mod as ParcelModule;
    const sub = await parcel.subscribe(
      root,
      (err, evs) => {
        if (err) send(errorNotice(err));
        for (const e of evs) saw(e.path);
      },
      { backend: 'inotify' },
    );
    return { close: () => sub.unsubscribe() };
  }
  if (lib === 'chokidar') {
    const chokidar = mod as ChokidarModule;
    const w = chokidar.watch(root, { ignoreInitial: true, followSymlinks: false, persistent: true });
    for (const ev of ['add', 'change', 'unlink', 'addDir', 'unlinkDir'] as const) w.on(ev, (p: string) => saw(p));
    w.on('error', (e) => send(errorNotice(e)));
    await new Promise<void>((resolve) => w.once('ready', () => resolve()));
    return { close: () => w.close() };
  }
  if (lib === 'havre') {
    const { FileWatcher } = mod as HavreModule;
    const w = await FileWatcher.start({ roots: [root] }, (ev) => {
      if (ev.type === 'changes') for (const c of ev.changes) saw(c.path);
      else if (ev.type === 'problem') send({ type: 'error', message: `${ev.error.code}: ${ev.error.message}`, code: ev.error.code, at: nowMs() });
    });
    return { close: () => w.close() };
  }
  // `none`: keep the process alive the way a watcher would, doing nothing.
  const keepAlive = setInterval(() => {}, 1 << 30);
  return { close: async () => clearInterval(keepAlive) };
}

let running: Running | null = null;
let closing = false;

async function handle(c: Command): Promise<void> {
  switch (c.cmd) {
    case 'start': {
      send({ type: 'starting' });
      const s = nowMs();
      try {
        running = await start();
      } catch (e) {
        const n = errorNotice(e);
        send({ type: 'startFailed', message: n.type === 'error' ? n.message : String(e), ...(n.type === 'error' && n.code ? { code: n.code } : {}) });
        return;
      }
      ready = true;
      readyAt = nowMs();
      send({ type: 'ready', startMs: readyAt - s, eventsBeforeReady, at: readyAt });
      return;
    }
    case 'reset':
      seen.clear();
      events = 0;
      return;
    case 'count': {
      let files = 0;
      let dirs = 0;
      for (const p of seen.keys()) {
        if (!p.startsWith(c.prefix)) continue;
        const b = basename(p);
        if (b.startsWith('f')) files++;
        else if (b.startsWith('d')) dirs++;
      }
      send({ type: 'count', files, dirs, events, lastEventAt });
      return;
    }
    case 'await': {
      const at = seen.get(c.path);
      if (at !== undefined) return send({ type: 'seen', path: c.path, at });
      const timer = setTimeout(() => {
        waiters.delete(c.path);
        send({ type: 'seen', path: c.path, at: null });
      }, c.timeoutMs);
      waiters.set(c.path, (t) => {
        clearTimeout(timer);
        send({ type: 'seen', path: c.path, at: t });
      });
      return;
    }
    case 'has': {
      let found = 0;
      let foundBeforeReady = 0;
      for (const p of c.paths) {
        const at = seen.get(p);
        if (at === undefined) continue;
        found++;
        if (at < readyAt) foundBeforeReady++;
      }
      send({ type: 'has', found, foundBeforeReady });
      return;
    }
    case 'close': {
      closing = true;
      const s = nowMs();
      await running?.close();
      send({ type: 'closed', closeMs: nowMs() - s });
      process.stdin.pause();
      return;
    }
  }
}

process.on('uncaughtException', (e) => send(errorNotice(e)));
const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  if (!line.trim()) return;
  handle(JSON.parse(line) as Command).catch((e: unknown) => send(errorNotice(e)));
});
rl.on('close', () => {
  // After `close`, let the event loop drain and exit on its own: a library that keeps handles open
  // after close() shows as a child that never exits. Without it, the driver died: leave now.
  if (!closing) process.exit(1);
});
