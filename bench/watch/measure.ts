// One repetition of one library on one tree: start-up (with writes racing it), RSS, a minute of
// idle CPU, save-to-event latency, a burst of modifications, a burst of creations, close.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Sfc32 } from '../corpus/prng.js';
import { machineBusyMs, readCpuMs, readStatus } from '../lib/proc.js';
import { inotifyWatches, processTree, WatcherChild } from './childHandle.js';
import { nowMs, type Library } from './protocol.js';
import type { BurstResult, LatencyResult, RepResult } from './results.js';
import { filePath, type TreeManifest } from './tree.js';

/** Watches one measured child may hold: half the machine's default limit (192,540 here), so that a
 *  watcher that takes one watch per file cannot starve every other process of the user. */
export const WATCH_CAP = 100_000;

/** CPU time of the process and its descendants (ms). */
function treeCpuMs(pid: number): number {
  return processTree(pid).reduce((n, p) => n + (readCpuMs(p) ?? 0), 0);
}

/** Current and peak RSS summed over the process tree. */
function treeRss(pid: number): { rss: number; hwm: number } {
  return processTree(pid).reduce((a, p) => {
    const s = readStatus(p);
    return s ? { rss: a.rss + s.rss, hwm: a.hwm + s.hwm } : a;
  }, { rss: 0, hwm: 0 });
}

export interface RepSettings {
  idleSeconds: number;
  latencyWrites: number;
  modifyFiles: number;
  createDirs: number;
  filesPerCreatedDir: number;
  seed: string;
  /** how long a burst may take to drain before we stop waiting */
  drainTimeoutMs: number;
  startTimeoutMs: number;
}

/** Events stopped when nothing new arrived for this long (or everything expected arrived). */
const QUIET_MS = 5000;

function percentile(sorted: number[], p: number): number | null {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? null;
}

function pickFiles(root: string, tree: TreeManifest, n: number, rng: Sfc32): string[] {
  const total = tree.files;
  const chosen = new Set<number>();
  const want = Math.min(n, total);
  while (chosen.size < want) chosen.add(rng.int(0, total - 1));
  // index → (dir, i) by walking the folder list once
  const sorted = [...chosen].sort((a, b) => a - b);
  const out: string[] = [];
  let base = 0;
  let k = 0;
  for (const d of tree.dirs) {
    while (k < sorted.length && (sorted[k] ?? 0) < base + d.files) out.push(filePath(root, d, (sorted[k++] ?? 0) - base));
    base += d.files;
  }
  // shuffle so consecutive writes land in different folders
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j] as string, out[i] as string];
  }
  return out;
}

/** `n` folders of the tree (with repetition when the tree has fewer), in random order. */
function pickDirs(root: string, tree: TreeManifest, n: number, rng: Sfc32): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(join(root, tree.dirs[rng.int(0, tree.dirs.length - 1)]?.path ?? ''));
  return out;
}

/** Waits until `expected` paths under `prefix` were seen or no event came for QUIET_MS. */
async function drain(child: WatcherChild, prefix: string, expectedFiles: number, expectedDirs: number, writesEnd: number, timeoutMs: number): Promise<{ files: number; dirs: number; lastEventAt: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await sleep(500);
    const c = await child.ask({ cmd: 'count', prefix }, 'count');
    const quietFor = nowMs() - Math.max(c.lastEventAt, writesEnd);
    if ((c.files >= expectedFiles && c.dirs >= expectedDirs) || quietFor >= QUIET_MS || Date.now() > deadline || child.exited) {
      return { files: c.files, dirs: c.dirs, lastEventAt: c.lastEventAt };
    }
  }
}

/** Distinct messages with their count, at most 10: a library may report one error per event. */
export function summarizeErrors(messages: string[]): string[] {
  const counts = new Map<string, number>();
  for (const m of messages) counts.set(m, (counts.get(m) ?? 0) + 1);
  return [...counts].slice(0, 10).map(([m, n]) => (n > 1 ? `${m} (×${n})` : m));
}

async function burst(child: WatcherChild, pid: number, prefix: string, write: () => { files: number; dirs: number }, timeoutMs: number): Promise<BurstResult> {
  child.send({ cmd: 'reset' });
  const errorsBefore = child.errors.length;
  const cpu0 = treeCpuMs(pid);
  const t0 = nowMs();
  const { files, dirs } = write();
  const t1 = nowMs();
  const d = await drain(child, prefix, files, dirs, t1, timeoutMs);
  return {
    files,
    dirs,
    writeMs: t1 - t0,
    filesReported: d.files,
    dirsReported: d.dirs,
    drainMs: Math.max(0, d.lastEventAt - t1),
    cpuMs: (treeCpuMs(pid)) - cpu0,
    errors: summarizeErrors(child.errors.slice(errorsBefore).map((e) => `${e.code ?? ''} ${e.message}`.trim())),
  };
}

export async function measureRep(lib: Library, root: string, tree: TreeManifest, rep: number, s: RepSettings, log: (m: string) => void): Promise<RepResult> {
  const rng = new Sfc32(s.seed, `watch-rep-${tree.files}-${rep}`);
  const r: RepResult = {
    rep,
    loadAvgAtStart: loadavg()[0] ?? 0,
    loadMs: 0,
    startMs: null,
    cpuToReadyMs: null,
    rssReadyBytes: null,
    watches: null,
    preReady: null,
    idleSeconds: s.idleSeconds,
    idleCpuMs: null,
    idleOtherLoad: null,
    rssAfterIdleBytes: null,
    latency: null,
    modify: null,
    createInExisting: null,
    create: null,
    peakRssBytes: null,
    closeMs: null,
    exitedAfterClose: null,
    errors: [],
  };
  const child = new WatcherChild(lib, root, { inotifyLimit: WATCH_CAP });
  const created: string[] = [];
  const burstRoot = join(root, `burst-${rep}`);
  try {
    r.loadMs = (await child.next('loaded', 60_000)).loadMs;
    const pid = child.pid;

    // Start-up, with a write every 5 ms at a random place of the tree until ready.
    const pre: { path: string; at: number }[] = [];
    const startingP = child.next('starting', 10_000);
    // Both wait until the child exits at the latest (close ends it), so no timer outlives the rep.
    const readyP = child.ask({ cmd: 'start' }, 'ready', s.startTimeoutMs).catch(() => null);
    const failedP = child.next('startFailed', s.startTimeoutMs + 1000).catch(() => null);
    await startingP;
    const writer =
      lib === 'none'
        ? null
        : setInterval(() => {
            if (pre.length >= 2000) return;
            const d = tree.dirs[rng.int(0, tree.dirs.length - 1)];
            if (!d) return;
            const p = join(root, d.path, `pre-${rep}-${pre.length}.txt`);
            writeFileSync(p, 'pre');
            created.push(p);
            pre.push({ path: p, at: nowMs() });
          }, 5);
    const first = await Promise.race([readyP, failedP]);
    if (writer) clearInterval(writer);
    if (!first || first.type === 'startFailed') {
      r.startFailed = first ? first.message : 'no answer';
      return r;
    }
    r.startMs = first.startMs;
    r.cpuToReadyMs = treeCpuMs(pid);
    await sleep(2000);
    if (pre.length) {
      const has = await child.ask({ cmd: 'has', paths: pre.map((p) => p.path) }, 'has');
      r.preReady = { written: pre.length, writtenBeforeReady: pre.filter((p) => p.at < first.at).length, reported: has.found };
    }
    r.rssReadyBytes = treeRss(pid).rss;
    r.watches = inotifyWatches(pid);
    log(`${lib} ${tree.files} rep ${rep}: ready in ${first.startMs.toFixed(0)} ms, RSS ${((r.rssReadyBytes ?? 0) / 2 ** 20).toFixed(1)} MiB, ${r.watches} watches`);

    // A minute of idle.
    const cpu0 = treeCpuMs(pid);
    const busy0 = machineBusyMs();
    const w0 = nowMs();
    await sleep(s.idleSeconds * 1000);
    r.idleCpuMs = (treeCpuMs(pid)) - cpu0;
    r.idleOtherLoad = (machineBusyMs() - busy0 - r.idleCpuMs) / (nowMs() - w0);
    r.rssAfterIdleBytes = treeRss(pid).rss;
    if (lib === 'none') return r;

    // Save-to-event latency: distinct files all over the tree, one at a time.
    child.send({ cmd: 'reset' });
    const lat: number[] = [];
    let missed = 0;
    for (const p of pickFiles(root, tree, s.latencyWrites, rng)) {
      const t = nowMs();
      writeFileSync(p, `saved ${t}\n`);
      const seen = await child.ask({ cmd: 'await', path: p, timeoutMs: 5000 }, 'seen');
      if (seen.at === null) missed++;
      else lat.push(seen.at - t);
      await sleep(rng.int(20, 60));
    }
    lat.sort((a, b) => a - b);
    const latency: LatencyResult = { writes: s.latencyWrites, missed, p50Ms: percentile(lat, 50), p95Ms: percentile(lat, 95), maxMs: lat.at(-1) ?? null };
    r.latency = latency;
    log(`${lib} ${tree.files} rep ${rep}: latency p50 ${latency.p50Ms?.toFixed(1)} ms, p95 ${latency.p95Ms?.toFixed(1)} ms, ${missed} missed`);

    // Burst 1: modify existing files as fast as possible.
    const toModify = pickFiles(root, tree, s.modifyFiles, rng);
    r.modify = await burst(
      child,
      pid,
      root + '/',
      () => {
        for (const p of toModify) writeFileSync(p, 'modified\n');
        return { files: toModify.length, dirs: 0 };
      },
      s.drainTimeoutMs,
    );
    log(`${lib} ${tree.files} rep ${rep}: modify ${r.modify.filesReported}/${r.modify.files} reported, drain ${r.modify.drainMs.toFixed(0)} ms`);

    // Burst 2: create files in existing folders, as fast as possible.
    const existing = pickDirs(root, tree, s.createDirs, rng);
    r.createInExisting = await burst(
      child,
      pid,
      root + '/',
      () => {
        let n = 0;
        for (let f = 0; f < s.filesPerCreatedDir; f++) {
          for (const d of existing) {
            const p = join(d, `fnew-${rep}-${n}.txt`);
            writeFileSync(p, 'new\n');
            created.push(p);
            n++;
          }
        }
        return { files: n, dirs: 0 };
      },
      s.drainTimeoutMs,
    );
    log(`${lib} ${tree.files} rep ${rep}: create in existing folders ${r.createInExisting.filesReported}/${r.createInExisting.files} reported, drain ${r.createInExisting.drainMs.toFixed(0)} ms`);
    // Delete them again before the next burst, so that a watcher holding one watch per file starts
    // it with the watches it had at start-up; let the deletions' events pass first.
    const extra = created.splice(created.length - r.createInExisting.files);
    for (const p of extra) rmSync(p, { force: true });
    await drain(child, root + '/', Infinity, Infinity, nowMs(), s.drainTimeoutMs);

    // Burst 3: create files in new folders as fast as possible (an unzip, a git clone).
    r.create = await burst(
      child,
      pid,
      burstRoot + '/',
      () => {
        mkdirSync(burstRoot);
        for (let d = 0; d < s.createDirs; d++) {
          const dir = join(burstRoot, `d-${String(d).padStart(5, '0')}`);
          mkdirSync(dir);
          for (let f = 0; f < s.filesPerCreatedDir; f++) writeFileSync(join(dir, `f-${f}.txt`), 'new\n');
        }
        return { files: s.createDirs * s.filesPerCreatedDir, dirs: s.createDirs };
      },
      s.drainTimeoutMs,
    );
    log(`${lib} ${tree.files} rep ${rep}: create ${r.create.filesReported}/${r.create.files} files, ${r.create.dirsReported}/${r.create.dirs} folders reported, drain ${r.create.drainMs.toFixed(0)} ms`);
    r.peakRssBytes = treeRss(pid).hwm;
    return r;
  } catch (e) {
    r.errors.push(e instanceof Error ? e.message : String(e));
    return r;
  } finally {
    if (!child.exited) {
      try {
        if (r.peakRssBytes === null) r.peakRssBytes = treeRss(child.pid).hwm;
        r.closeMs = (await child.ask({ cmd: 'close' }, 'closed', 60_000)).closeMs;
        r.exitedAfterClose = await child.waitExit(10_000);
      } catch (e) {
        r.errors.push(e instanceof Error ? e.message : String(e));
      }
    }
    child.kill();
    r.errors = summarizeErrors([...r.errors, ...child.errors.map((e) => `${e.code ?? ''} ${e.message}`.trim())]);
    for (const p of created) rmSync(p, { force: true });
    rmSync(burstRoot, { recursive: true, force: true });
  }
}
